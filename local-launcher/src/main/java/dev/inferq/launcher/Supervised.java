package dev.inferq.launcher;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A child process that is started again whenever it ends without {@link #stop} being asked, after a pause that
 * doubles on every quick failure so a crash loop costs little CPU and log space. Any other end counts as a crash,
 * {@link ManagedProcess#kill()} of the current process included: that is how fault tests simulate one.
 */
public final class Supervised implements AutoCloseable {

    /**
     * Pauses between restarts.
     *
     * @param initial pause before the first restart, and again once a child stayed up for {@code resetAfter}
     * @param max longest pause, however often the child failed
     * @param resetAfter uptime after which an exit counts as a fresh failure rather than part of a crash loop
     */
    public record Backoff(Duration initial, Duration max, Duration resetAfter) {

        public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(60));

        public Backoff {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || resetAfter.isNegative()) {
                throw new IllegalArgumentException("backoff needs 0 < initial <= max and resetAfter >= 0, was "
                        + initial + ", " + max + ", " + resetAfter);
            }
        }

        Duration after(Duration previous, Duration uptime) {
            if (previous == null || uptime.compareTo(resetAfter) >= 0) {
                return initial;
            }
            Duration doubled = previous.multipliedBy(2);
            return doubled.compareTo(max) > 0 ? max : doubled;
        }
    }

    private final String name;
    private final Supplier<ManagedProcess> starter;
    private final Backoff backoff;
    private final Consumer<String> log;
    private final ScheduledExecutorService scheduler;
    private final Object lock = new Object();
    // All guarded by lock: a restart and a stop must never interleave, or a child started after the stop survives it.
    private ManagedProcess current;
    private long startedNanos;
    private int restarts;
    private Duration lastPause;
    private ScheduledFuture<?> pendingRestart;
    private boolean stopped;

    private Supervised(String name, Supplier<ManagedProcess> starter, Backoff backoff, Consumer<String> log) {
        this.name = Objects.requireNonNull(name);
        this.starter = Objects.requireNonNull(starter);
        this.backoff = Objects.requireNonNull(backoff);
        this.log = Objects.requireNonNull(log);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "supervise-" + name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts the first child at once, on this thread, so a child that cannot even be spawned fails the caller;
     * {@code log} receives one line per unexpected exit and restart.
     */
    public static Supervised start(String name, Supplier<ManagedProcess> starter, Backoff backoff,
                                   Consumer<String> log) {
        Supervised supervised = new Supervised(name, starter, backoff, log);
        synchronized (supervised.lock) {
            supervised.launch(supervised.starter.get());
        }
        return supervised;
    }

    public String name() {
        return name;
    }

    /** The child started last; between a crash and its restart, the one that ended. */
    public ManagedProcess current() {
        synchronized (lock) {
            return current;
        }
    }

    /** How many times a child was started again after an unexpected exit. */
    public int restarts() {
        synchronized (lock) {
            return restarts;
        }
    }

    /**
     * Ends supervision and stops the current child (SIGTERM, SIGKILL after {@code grace}); a pending restart is
     * cancelled, and one already spawning finishes first and is then stopped. Returns the child's exit code.
     */
    public int stop(Duration grace) {
        ManagedProcess last;
        synchronized (lock) {
            stopped = true;
            if (pendingRestart != null) {
                pendingRestart.cancel(false);
            }
            last = current;
        }
        scheduler.shutdownNow();
        return last.stop(grace);
    }

    /** Stops with a 10 s grace period. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    private void launch(ManagedProcess process) {
        current = process;
        startedNanos = System.nanoTime();
        process.onExit().thenRun(() -> exited(process));
    }

    private void exited(ManagedProcess process) {
        synchronized (lock) {
            if (stopped || process != current) {
                return;
            }
            Duration uptime = Duration.ofNanos(System.nanoTime() - startedNanos);
            lastPause = backoff.after(lastPause, uptime);
            log.accept(name + " (pid " + process.pid() + ") exited unexpectedly with code "
                    + process.exitCode().orElse(-1) + " after " + uptime.toSeconds() + " s; restarting it in "
                    + lastPause.toMillis() + " ms" + process.lastLogLinesMessage());
            pendingRestart = scheduler.schedule(this::restart, lastPause.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void restart() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            try {
                launch(starter.get());
            } catch (RuntimeException e) {
                lastPause = backoff.after(lastPause, Duration.ZERO);
                log.accept(name + " could not be restarted (" + e.getMessage() + "); trying again in "
                        + lastPause.toMillis() + " ms");
                pendingRestart = scheduler.schedule(this::restart, lastPause.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            restarts++;
            log.accept(name + " restarted (pid " + current.pid() + ", restart " + restarts + ")");
        }
    }
}
