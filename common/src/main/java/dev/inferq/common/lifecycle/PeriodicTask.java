package dev.inferq.common.lifecycle;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A round of work run every period from the application's start to its stop, one round at a time: a round that takes
 * longer than the period makes the ticks it overlapped be dropped, not queued. A round that fails is logged at DEBUG
 * and the next one tries again: what these rounds read or settle is read or settled again on the next tick, and a
 * Redis that is away is answered where it matters (the submit path's own 503).
 */
public abstract class PeriodicTask implements SmartLifecycle {

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final Duration firstDelay;
    private final Duration period;
    private final String what;
    private volatile Disposable loop;

    /**
     * @param firstDelay when the first round runs after the start
     * @param what the round, for the log line of a failure ("reading the model versions")
     */
    protected PeriodicTask(Duration firstDelay, Duration period, String what) {
        this.firstDelay = firstDelay;
        this.period = period;
        this.what = what;
    }

    /** One round. */
    protected abstract Mono<Void> round();

    @Override
    public void start() {
        loop = Flux.interval(firstDelay, period)
                .onBackpressureDrop()
                .concatMap(tick -> round().onErrorResume(e -> {
                    log.debug("{} failed, trying again in {}: {}", what, period, e.toString());
                    return Mono.empty();
                }))
                .subscribe();
    }

    @Override
    public void stop() {
        Disposable running = loop;
        if (running != null) {
            running.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        Disposable running = loop;
        return running != null && !running.isDisposed();
    }
}
