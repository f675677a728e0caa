package dev.inferq.worker.compute;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The one gate every forward pass of this worker goes through, whatever its model: it shares
 * {@code inferq.worker.compute.threads} intra-op threads (by default one per core) between the passes that run at
 * once, so text and image passes no longer each start a full libtorch thread team on the same cores.
 *
 * <p>Passes are of two kinds. {@link Workload#LATENCY} passes (text) are short and a client waits on each: they go
 * first. {@link Workload#BULK} passes (image) are long: an image batch runs as passes of {@code bulk-pass-inputs}
 * (one image by default), or with {@code bulk-pass-inputs: 0} of the size that runs fastest per input within
 * {@code bulk-pass-time}, timed at start and as it serves ({@link #passSizes}). A kind that is alone takes every thread. While both have been active within
 * {@code latency-reserve}, the threads are partitioned: text passes share one, image passes the others, and the two
 * run side by side, so a text pass does not wait for an image pass. Only the first text pass after a quiet spell can
 * find an image pass holding every thread, and it waits for that one pass. An image pass that has waited
 * {@code bulk-max-wait} goes before text passes that came after it, so image jobs progress under any text load.
 * {@code latency-reserve: 0} turns the partition off: one lane, every pass on every thread, text first.
 *
 * <p>Why (docs/performance.md, "Compute scheduling", with the figures): one lane makes every text pass under image
 * load wait for the image pass in progress; letting the two run unscheduled starts two libtorch thread teams on the
 * same cores, one per model. Partitioning only while both kinds are active keeps a text pass beside, not behind,
 * image passes, and leaves every core to whichever kind is alone. Under the seed's load test on 2 cores it also served
 * more images than one lane (5.7 against 5.3 a second), and one-image passes more than passes sized by measurement
 * (5.7 against 5.3): on cores shared with the gateway, Kafka and Redis, a short pass on one thread loses less to
 * preemption than the pass times suggest.
 *
 * <p>The thread count is applied per pass, on the pass thread, with libtorch's {@code at::set_num_threads}
 * ({@link JniUtils#setNumThreads}): with the OpenMP build DJL ships, that sets the calling thread's own OpenMP team
 * size, so two passes on two pass threads run with different counts (checked on libtorch 2.7.1: a thread that set
 * 1 keeps 1 after another set 2; a thread that never set one starts from the last value set). Inter-op threads
 * ({@code ai.djl.pytorch.num_interop_threads}) stay idle: traced models do not fork. Models on another engine (ONNX Runtime) are
 * bounded the same way, but their thread count is fixed when their session is created.
 *
 * <p>Passes run on {@link PassThreads}, and the caller waits for the pass: its result and exceptions reach the caller
 * unchanged.
 */
@Component
public class ComputeScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ComputeScheduler.class);

    /** What kind of forward pass asks for threads. */
    public enum Workload {
        /** Short passes a client waits on (text models): they go first. */
        LATENCY,
        /** Long passes (image models): run in small passes, leave a thread to text while text is active. */
        BULK
    }

    private final int budget;
    private final int bulkPassInputs;
    private final long bulkPassNanos;
    private final long reserveNanos;
    private final long maxWaitNanos;
    private final IntConsumer intraOpThreads;
    private final LongSupplier clock;
    private final PassThreads passThreads;

    private final ReentrantLock lock = new ReentrantLock();
    /** Passes not yet started, in arrival order. */
    private final List<Waiter> waiting = new ArrayList<>();
    private int used;
    private int bulkUsed;
    private int latencyUsed;
    private final Activity latency = new Activity();
    private final Activity bulk = new Activity();
    private boolean closed;

    /** When passes of one kind last asked or finished. */
    private static final class Activity {

        boolean seen;
        long last;

        void at(long now) {
            seen = true;
            last = now;
        }

        boolean within(long now, long window) {
            return seen && now - last < window;
        }
    }

    private final class Waiter {

        final Workload workload;
        final long since;
        final Condition granted = lock.newCondition();
        int threads;

        Waiter(Workload workload, long since) {
            this.workload = workload;
            this.since = since;
        }
    }

    @Autowired
    public ComputeScheduler(ComputeProperties properties) {
        this(properties, pyTorchThreads(), System::nanoTime);
        log.info("Compute scheduler: {} intra-op thread(s) shared by all forward passes; image passes of {}; {}; an "
                + "image pass waits at most {} ms behind text", budget, bulkPassInputs > 0 ? "at most "
                + bulkPassInputs + " input(s)" : "the batch size measured fastest within "
                + properties.bulkPassTime().toMillis() + " ms", properties.latencyReserve().isZero()
                ? "one lane, text first" : "text on one thread beside images while both were active within "
                + properties.latencyReserve().toMillis() + " ms", properties.bulkMaxWait().toMillis());
    }

    ComputeScheduler(ComputeProperties properties, IntConsumer intraOpThreads, LongSupplier clock) {
        this.budget = properties.threadBudget();
        this.bulkPassInputs = properties.bulkPassInputs();
        this.bulkPassNanos = properties.bulkPassTime().toNanos();
        this.reserveNanos = properties.latencyReserve().toNanos();
        this.maxWaitNanos = properties.bulkMaxWait().toNanos();
        this.intraOpThreads = intraOpThreads;
        this.clock = clock;
        this.passThreads = new PassThreads(budget);
    }

    /** Sets the calling thread's libtorch intra-op threads; loads the engine first, where no model has yet. */
    private static IntConsumer pyTorchThreads() {
        return threads -> {
            Engine.getEngine("PyTorch");
            JniUtils.setNumThreads(threads);
        };
    }

    /** The threads all passes share. */
    public int threads() {
        return budget;
    }

    /**
     * How many inputs each forward pass of a model of {@code workload} takes, for a model whose batches hold
     * {@code limit} and whose passes took {@code msPerBatch} (milliseconds by batch size, timed at start; empty when
     * not timed). A text batch is one pass. An image batch runs in passes of {@code bulk-pass-inputs} where set;
     * otherwise of the size that runs fastest per input within {@code bulk-pass-time}, measured as it serves
     * ({@link PassSizes}).
     */
    public PassSizes passSizes(Workload workload, int limit, SortedMap<Integer, Double> msPerBatch) {
        if (workload == Workload.LATENCY) {
            return PassSizes.fixed(limit);
        }
        if (bulkPassInputs > 0) {
            return PassSizes.fixed(Math.min(limit, bulkPassInputs));
        }
        return PassSizes.measured(limit, bulkPassNanos / 1e6, msPerBatch);
    }

    /**
     * Runs {@code pass} on a pass thread once it has its threads, with libtorch set to use that many, and waits for
     * it; answers what the pass answers and throws what it throws.
     *
     * @throws RejectedExecutionException when the scheduler is closed (the worker is stopping) before the pass starts
     */
    public <T> T run(Workload workload, Supplier<T> pass) {
        int threads = acquire(workload);
        try {
            return passThreads.run(() -> {
                intraOpThreads.accept(threads);
                return pass.get();
            });
        } finally {
            release(workload, threads);
        }
    }

    /**
     * Sets the calling thread's libtorch to one thread: for threads that do small tensor work outside forward passes
     * (preparing images), which must not start thread teams of their own beside the passes'.
     */
    public void singleThreaded() {
        intraOpThreads.accept(1);
    }

    /** Passes waiting for threads. */
    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Refuses passes from now on; passes waiting are refused, passes running finish. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            waiting.forEach(waiter -> waiter.granted.signal());
        } finally {
            lock.unlock();
        }
        passThreads.close();
    }

    private int acquire(Workload workload) {
        lock.lock();
        try {
            if (closed) {
                throw new RejectedExecutionException("the compute scheduler is closed: the worker is stopping");
            }
            long now = clock.getAsLong();
            Waiter waiter = new Waiter(workload, now);
            waiting.add(waiter);
            activity(workload).at(now);
            dispatch();
            while (waiter.threads == 0) {
                if (closed) {
                    waiting.remove(waiter);
                    throw new RejectedExecutionException("the compute scheduler closed while a " + workload
                            + " pass waited for threads: the worker is stopping");
                }
                try {
                    waiter.granted.await();
                } catch (InterruptedException e) {
                    waiting.remove(waiter);
                    dispatch();
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while a " + workload + " pass waited for threads", e);
                }
            }
            return waiter.threads;
        } finally {
            lock.unlock();
        }
    }

    private void release(Workload workload, int threads) {
        lock.lock();
        try {
            used -= threads;
            if (workload == Workload.BULK) {
                bulkUsed -= threads;
            } else {
                latencyUsed -= threads;
            }
            activity(workload).at(clock.getAsLong());
            dispatch();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts waiting passes in priority order for as long as the first of them can start: nothing overtakes a pass
     * that must wait, which is what bounds every wait.
     */
    private void dispatch() {
        while (!waiting.isEmpty()) {
            long now = clock.getAsLong();
            Waiter next = next(now);
            int threads = grant(next, now);
            if (threads == 0) {
                return;
            }
            waiting.remove(next);
            next.threads = threads;
            used += threads;
            if (next.workload == Workload.BULK) {
                bulkUsed += threads;
            } else {
                latencyUsed += threads;
            }
            next.granted.signal();
        }
    }

    /** Bulk passes that waited past {@code bulk-max-wait}, then text passes, then other bulk passes; each by arrival. */
    private Waiter next(long now) {
        Waiter firstLatency = null;
        Waiter firstBulk = null;
        for (Waiter waiter : waiting) {
            if (waiter.workload == Workload.LATENCY) {
                if (firstLatency == null) {
                    firstLatency = waiter;
                }
            } else if (now - waiter.since >= maxWaitNanos) {
                return waiter;
            } else if (firstBulk == null) {
                firstBulk = waiter;
            }
        }
        return firstLatency != null ? firstLatency : firstBulk;
    }

    /**
     * The threads {@code waiter} starts with now, or 0 when it must wait: while both kinds are active, text passes
     * share one thread and bulk passes the others; while only one kind is, it may take them all.
     */
    private int grant(Waiter waiter, long now) {
        boolean shared = budget >= 2 && reserveNanos > 0 && active(Workload.LATENCY, now) && active(Workload.BULK, now);
        int free = budget - used;
        int share = waiter.workload == Workload.LATENCY ? (shared ? 1 : budget) - latencyUsed
                : (shared ? budget - 1 : budget) - bulkUsed;
        return Math.max(Math.min(free, share), 0);
    }

    /** Whether passes of {@code workload} run, wait, or asked or finished within {@code latency-reserve}. */
    private boolean active(Workload workload, long now) {
        if ((workload == Workload.BULK ? bulkUsed : latencyUsed) > 0
                || waiting.stream().anyMatch(waiter -> waiter.workload == workload)) {
            return true;
        }
        return activity(workload).within(now, reserveNanos);
    }

    private Activity activity(Workload workload) {
        return workload == Workload.BULK ? bulk : latency;
    }
}
