package dev.inferq.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads a {@link Flow.Publisher} on the calling thread, one element asked for at a time: the blocking client's
 * {@code events} are the asynchronous client's publisher read this way. Closing the stream cancels the subscription.
 */
final class BlockingReader<T> implements Flow.Subscriber<T>, Iterator<T> {

    private static final Object END = new Object();

    private final BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;
    private Object next;
    private boolean ended;

    private BlockingReader() {
    }

    static <T> Stream<T> stream(Flow.Publisher<T> publisher) {
        BlockingReader<T> reader = new BlockingReader<>();
        publisher.subscribe(reader);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(reader,
                Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(reader::cancel);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (cancelled) {
            subscription.cancel();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onNext(T item) {
        signals.add(item);
    }

    @Override
    public void onError(Throwable failure) {
        signals.add(new Failure(failure));
    }

    @Override
    public void onComplete() {
        signals.add(END);
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (ended) {
            return false;
        }
        Object signal = take();
        if (signal == END) {
            ended = true;
            return false;
        }
        if (signal instanceof Failure failure) {
            ended = true;
            throw failure.asRuntime();
        }
        next = signal;
        subscription.request(1);
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T item = (T) next;
        next = null;
        return item;
    }

    private Object take() {
        try {
            return signals.take();
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            throw new InferqTransportException("interrupted while waiting for the next event", e);
        }
    }

    private void cancel() {
        cancelled = true;
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }

    private record Failure(Throwable cause) {
        RuntimeException asRuntime() {
            return cause instanceof RuntimeException runtime ? runtime
                    : new InferqTransportException(cause.toString(), cause);
        }
    }
}
