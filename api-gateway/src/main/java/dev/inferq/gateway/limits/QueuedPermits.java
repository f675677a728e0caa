package dev.inferq.gateway.limits;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;

/**
 * {@link Permits} whose takers, when a cap is full, wait for a place a bounded time, in order of arrival, instead of
 * being refused at once: a taker that would get a place within milliseconds is not turned away. A waiter holds a few
 * objects, never a thread: its {@link Mono} completes when a released permit is handed to it, or with the refusal
 * once {@code wait} has passed. At most {@code maxWaitingPerKey} wait per key and {@code maxWaiting} in all; one more
 * is refused at once, so waiting cannot grow memory without bound. A waiter whose subscriber cancels (its client gone)
 * leaves the queue at once. Counts and waiters live in this process; each gateway replica has its own.
 */
public final class QueuedPermits {

    /** The answer of a waiter whose subscriber cancelled before one was given. */
    private static final Permits.Result GONE = new Permits.Result(null, null);

    private final Permits permits;
    private final Duration wait;
    private final int maxWaiting;
    private final int maxWaitingPerKey;
    /**
     * Waiters, first come first; guarded by itself, as is {@link #waitingByKey}. Whoever holds the lock first hands
     * the free places to the waiters ({@link #grantable()}), so every waiter left is one a cap refuses: a newcomer
     * that then gets a permit takes none a waiter could have had.
     */
    private final Deque<Waiter> queue = new ArrayDeque<>();
    private final Map<String, Integer> waitingByKey = new HashMap<>();

    /**
     * @param total permits in all
     * @param perKey permits per key
     * @param wait longest a taker waits for a place; zero: refused at once, as {@link Permits#tryAcquire}
     * @param maxWaiting takers that may wait at once, in all
     * @param maxWaitingPerKey takers that may wait at once for one key
     */
    public QueuedPermits(int total, int perKey, Duration wait, int maxWaiting, int maxWaitingPerKey) {
        this.permits = new Permits(total, perKey, this::handOver);
        this.wait = wait;
        this.maxWaiting = maxWaiting;
        this.maxWaitingPerKey = maxWaitingPerKey;
    }

    /**
     * A permit for {@code key} as soon as one is free within {@code wait}; else the cap that refused it, at once when
     * the waiters' places are full. A permit delivered is the subscriber's to close; one that a cancelled subscriber
     * never received goes back by itself.
     */
    public Mono<Permits.Result> acquire(String key) {
        return Mono.create(sink -> new Waiter(key, sink).start());
    }

    /** In flight now for {@code key}. */
    public int inFlight(String key) {
        return permits.inFlight(key);
    }

    /** Waiting now for {@code key}. */
    public int waiting(String key) {
        synchronized (queue) {
            return waitingByKey.getOrDefault(key, 0);
        }
    }

    private void handOver() {
        List<Runnable> answers;
        synchronized (queue) {
            answers = grantable();
        }
        answers.forEach(Runnable::run);
    }

    /**
     * Under the lock: takes the permits that the waiters, first come first, may have now, and returns their answers,
     * to be given once the lock is released (an answer runs the waiter's subscriber).
     */
    private List<Runnable> grantable() {
        List<Runnable> answers = new ArrayList<>();
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            Permits.Result taken = permits.tryAcquire(waiter.key);
            if (taken.granted()) {
                it.remove();
                uncount(waiter.key);
                answers.add(() -> waiter.answer(taken));
            } else {
                waiter.refusal = taken.refusal();
                if (taken.refusal() == Permits.Refusal.TOTAL) {
                    // nothing is free in all: no later waiter, whatever its key, would get a place either
                    break;
                }
            }
        }
        return answers;
    }

    /** Under the lock: whether a taker that {@code refusal} turned away may wait in the queue, and if so, queued. */
    private boolean enqueue(Waiter waiter, Permits.Refusal refusal) {
        int ofKey = waitingByKey.getOrDefault(waiter.key, 0);
        if (wait.isZero() || queue.size() >= maxWaiting || ofKey >= maxWaitingPerKey) {
            return false;
        }
        waiter.refusal = refusal;
        queue.addLast(waiter);
        waitingByKey.put(waiter.key, ofKey + 1);
        return true;
    }

    /** Takes {@code waiter} out of the queue, if it is still there (not handed a permit); its last refusal. */
    private Permits.Refusal forget(Waiter waiter) {
        synchronized (queue) {
            if (queue.remove(waiter)) {
                uncount(waiter.key);
            }
            return waiter.refusal;
        }
    }

    private void uncount(String key) {
        waitingByKey.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
    }

    /** One call of {@link #acquire}: answered once, by a permit, a refusal, or its subscriber's cancellation. */
    private final class Waiter {

        private final String key;
        private final MonoSink<Permits.Result> sink;
        /** Null until answered; whoever sets it answers, any other answer's permit goes back. */
        private final AtomicReference<Permits.Result> answered = new AtomicReference<>();
        private volatile Disposable timer = Disposables.disposed();
        /** The cap that refused it last; guarded by the queue's lock. */
        private Permits.Refusal refusal;

        Waiter(String key, MonoSink<Permits.Result> sink) {
            this.key = key;
            this.sink = sink;
        }

        void start() {
            sink.onCancel(this::cancelled);
            List<Runnable> answers;
            Permits.Result now = null;
            boolean queued = false;
            synchronized (queue) {
                answers = grantable();
                if (answered.get() == null) {
                    Permits.Result tried = permits.tryAcquire(key);
                    queued = !tried.granted() && enqueue(this, tried.refusal());
                    now = queued ? null : tried;
                }
            }
            answers.forEach(Runnable::run);
            if (now != null) {
                answer(now);
            } else if (queued) {
                timer = Schedulers.parallel().schedule(this::expire, wait.toNanos(), TimeUnit.NANOSECONDS);
                if (answered.get() != null) {
                    // answered while the timer was being set: nothing left for it to do
                    timer.dispose();
                }
            }
        }

        void answer(Permits.Result result) {
            if (answered.compareAndSet(null, result)) {
                timer.dispose();
                sink.success(result);
            } else if (result.granted()) {
                result.permit().close();
            }
        }

        private void expire() {
            answer(new Permits.Result(null, forget(this)));
        }

        /**
         * The sink calls this only when its subscriber did not receive an answer: still waiting, it leaves the queue;
         * answered (the permit on its way as the subscriber went), the permit goes back.
         */
        private void cancelled() {
            Permits.Result was = answered.compareAndExchange(null, GONE);
            if (was == null) {
                timer.dispose();
                forget(this);
            } else if (was.granted()) {
                was.permit().close();
            }
        }
    }
}
