package dev.inferq.launcher;

import java.time.Duration;

/**
 * A server running as a child process (Kafka, Redis) that can be stopped gracefully, crashed on purpose, or closed
 * with a grace period suited to it.
 */
public abstract class ServerProcess implements AutoCloseable {

    private final ManagedProcess process;
    private final Duration closeGrace;

    ServerProcess(ManagedProcess process, Duration closeGrace) {
        this.process = process;
        this.closeGrace = closeGrace;
    }

    public ManagedProcess process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Controlled shutdown (SIGTERM), SIGKILL after {@code grace}. */
    public int stop(Duration grace) {
        return process.stop(grace);
    }

    /** SIGKILL: a crash, for fault-injection tests. */
    public int kill() {
        return process.kill();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop(closeGrace);
        }
    }
}
