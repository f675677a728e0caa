package dev.inferq.common.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The job store's Lua scripts, each read from the classpath and built once: a script built on a resource re-checks that
 * resource on every call, and one built from its text knows its SHA, so that each call is one EVALSHA (Spring Data
 * Redis sends the text with EVAL only when Redis answers NOSCRIPT, after a restart say).
 */
@SuppressWarnings("rawtypes")
final class JobScripts {

    /** Both run outbox-enter.lua, the one way a job's message enters the outbox, put in front of their own text. */
    static final RedisScript<String> CREATE = RedisScript.of(text("outbox-enter.lua") + text("create.lua"),
            String.class);
    static final RedisScript<Long> OUTBOX_ENTER = RedisScript.of(text("outbox-enter.lua")
            + "enterOutbox(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) return 1", Long.class);
    /** Both run transition-rule.lua, the one rule of which status may follow which, put in front of their own text. */
    static final RedisScript<List> TRANSITION = RedisScript.of(text("transition-rule.lua") + text("transition.lua"),
            List.class);
    static final RedisScript<List> START = RedisScript.of(text("transition-rule.lua") + text("start.lua"),
            List.class);
    static final RedisScript<Long> COUNT_DELIVERY = RedisScript.of(
            "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n", Long.class);
    /** The ZRANK in KEYS[1] of each of ARGV, -1 where absent: one command for the positions of many jobs. */
    static final RedisScript<List> QUEUE_POSITIONS = RedisScript.of("""
            local ranks = {}
            for i, id in ipairs(ARGV) do
              ranks[i] = redis.call('ZRANK', KEYS[1], id) or -1
            end
            return ranks
            """, List.class);

    private JobScripts() {
    }

    private static String text(String name) {
        try (InputStream in = JobScripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("script " + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script " + name, e);
        }
    }
}
