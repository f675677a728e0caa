package dev.inferq.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One process' CPU time so far, in all and by the kind of thread that spent it, read from {@code /proc/<pid>/stat}
 * and {@code /proc/<pid>/task/<tid>/stat} (user + system time). A thread is classed by its name ({@code comm}: the
 * JVM gives each Java thread's name to the OS, cut to 15 characters; OpenMP threads inherit the name of the thread
 * that started their team, so a forward pass's team counts as forward pass). The process total also holds the time
 * of threads that have exited, which no task entry shows any more: that difference is {@link Kind#EXITED}.
 *
 * @param totalMs the whole process, exited threads included; NaN when the process is gone
 * @param msByKind the live threads' time by kind
 */
record ThreadCpu(double totalMs, Map<ThreadCpu.Kind, Double> msByKind) {

    /** The kinds of thread that the per-thread table tells apart, by their name's prefix. */
    enum Kind {
        FORWARD("fwd pass", "inferq-pass-"),
        PREPARE("prepare", "inferq-prepare"),
        CONSUMER("consumer", "inferq-"),
        HTTP("http loop", "reactor-http-", "reactor-tcp-", "http-nio-"),
        REDIS("redis cli", "lettuce-"),
        KAFKA("kafka cli", "kafka-"),
        OFFLOAD("offload", "boundedElastic", "parallel-"),
        JIT("jit", "C1 CompilerThre", "C2 CompilerThre"),
        GC("gc+vm", "GC Thread", "G1 ", "VM Thread", "VM Periodic"),
        OTHER("other"),
        EXITED("exited");

        final String label;
        private final List<String> prefixes;

        Kind(String label, String... prefixes) {
            this.label = label;
            this.prefixes = List.of(prefixes);
        }

        /** The first kind (in declaration order) one of whose prefixes starts {@code name}; {@link #OTHER} else. */
        static Kind of(String name) {
            for (Kind kind : values()) {
                if (kind.prefixes.stream().anyMatch(name::startsWith)) {
                    return kind;
                }
            }
            return OTHER;
        }
    }

    /** Clock ticks per second of {@code utime}/{@code stime}: USER_HZ, 100 on every Linux we run on. */
    private static final double TICKS_PER_SECOND = 100;

    static ThreadCpu read(long pid) {
        Path proc = Path.of("/proc", String.valueOf(pid));
        Map<Kind, Double> byKind = new EnumMap<>(Kind.class);
        Stat process = Stat.of(proc.resolve("stat"));
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            for (Path task : tasks.toList()) {
                Stat thread = Stat.of(task.resolve("stat"));
                if (thread != null) {
                    byKind.merge(Kind.of(thread.name()), thread.ms(), Double::sum);
                }
            }
        } catch (IOException e) {
            process = null;
        }
        if (process == null) {
            return new ThreadCpu(Double.NaN, Map.of());
        }
        double live = byKind.values().stream().mapToDouble(Double::doubleValue).sum();
        byKind.put(Kind.EXITED, Math.max(0, process.ms() - live));
        return new ThreadCpu(process.ms(), byKind);
    }

    /** This reading less an earlier one of the same process. */
    ThreadCpu minus(ThreadCpu earlier) {
        Map<Kind, Double> delta = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            delta.put(kind, ms(kind) - earlier.ms(kind));
        }
        return new ThreadCpu(totalMs - earlier.totalMs, delta);
    }

    double ms(Kind kind) {
        return msByKind.getOrDefault(kind, 0.0);
    }

    /** A process' or thread's name and utime + stime in ms, from its {@code stat} file. */
    private record Stat(String name, double ms) {

        /** Null when the task or process has gone. */
        static Stat of(Path file) {
            String line;
            try {
                line = Files.readString(file);
            } catch (IOException e) {
                return null;
            }
            int close = line.lastIndexOf(')');
            // Fields after the name, which may hold spaces and parentheses: state is field 3, utime 14, stime 15.
            String[] f = line.substring(close + 2).split(" ");
            return new Stat(line.substring(line.indexOf('(') + 1, close),
                    (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / TICKS_PER_SECOND);
        }
    }
}
