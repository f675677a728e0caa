package dev.inferq.client;

/**
 * One dispatched server-sent event: {@code id} is the stream's last event id when it was dispatched (null until the
 * stream set one), {@code event} its type ({@code message} where the stream named none), {@code data} its data lines
 * joined with {@code \n}.
 */
record SseEvent(String id, String event, String data) {
}
