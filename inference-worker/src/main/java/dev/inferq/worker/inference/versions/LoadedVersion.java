package dev.inferq.worker.inference.versions;

import dev.inferq.worker.inference.ServedModel;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One version of a model loaded in this worker. Batches run on it between {@link #enter} and {@link #exit} (a read
 * lock, so consumer threads share it); {@link #unload} takes the write lock, so it waits for the batches running on
 * the version to finish and no batch can start on a closed model.
 */
public final class LoadedVersion {

    private final int version;
    private final ServedModel<?> served;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    LoadedVersion(int version, ServedModel<?> served) {
        this.version = version;
        this.served = served;
    }

    public int version() {
        return version;
    }

    public ServedModel<?> served() {
        return served;
    }

    /** Holds the version for a batch; false, holding nothing, when it was unloaded meanwhile. */
    boolean enter() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            return false;
        }
        return true;
    }

    /** Releases what {@link #enter} held. */
    void exit() {
        lock.readLock().unlock();
    }

    boolean isUnloaded() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Closes the model once the batches running on it have finished. */
    void unload() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                served.classifier().close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
