package dev.inferq.client;

import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A job's events as a {@link Flow.Publisher}: each subscription follows the job with a follower of its own (its own
 * connection), relayed through a {@link SubmissionPublisher}, which keeps the Reactive Streams rules (demand,
 * one signal at a time). A subscriber that falls 256 events behind slows the follower down rather than losing any;
 * cancelling the subscription closes the connection.
 */
final class FollowPublisher<T> implements Flow.Publisher<T> {

    private final Function<Consumer<T>, EventFollower> follower;

    /** {@code follower}: an unstarted follower whose states go to the given sink. */
    FollowPublisher(Function<Consumer<T>, EventFollower> follower) {
        this.follower = follower;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        SubmissionPublisher<T> relay = new SubmissionPublisher<>();
        EventFollower following = follower.apply(relay::submit);
        relay.subscribe(new Flow.Subscriber<T>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                        subscription.request(n);
                    }

                    @Override
                    public void cancel() {
                        subscription.cancel();
                        following.cancel();
                    }
                });
            }

            @Override
            public void onNext(T item) {
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable failure) {
                subscriber.onError(failure);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
        // A cancellation ends the subscriber too (when it was not the one that cancelled): a client closed under a
        // blocking reader must not leave it waiting.
        following.start().whenComplete((job, failure) -> {
            if (failure == null) {
                relay.close();
            } else {
                relay.closeExceptionally(Transport.unwrap(failure));
            }
        });
    }
}
