package dev.inferq.worker.inference.variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The instruction-set extensions of the CPU this worker runs on, from the {@code flags} line of
 * {@code /proc/cpuinfo} (x86 Linux), and which reduced precisions they run at speed. Where the flags cannot be read
 * (another OS or architecture) nothing is ruled out: measuring the candidates decides alone.
 */
public record CpuFeatures(Optional<Set<String>> flags) {

    /** Where Linux lists the CPU's flags. */
    public static final Path CPUINFO = Path.of("/proc/cpuinfo");

    public CpuFeatures {
        flags = flags.map(Set::copyOf);
    }

    /** The flags of this machine's CPU; unknown when {@link #CPUINFO} is absent or has no {@code flags} line. */
    public static CpuFeatures ofThisMachine() {
        try {
            return Files.isReadable(CPUINFO) ? fromCpuinfo(Files.readString(CPUINFO)) : unknown();
        } catch (IOException e) {
            return unknown();
        }
    }

    /** The flags of the first processor in a {@code /proc/cpuinfo} text (every core of one machine lists the same). */
    public static CpuFeatures fromCpuinfo(String cpuinfo) {
        return cpuinfo.lines()
                .filter(line -> line.startsWith("flags"))
                .map(line -> line.substring(line.indexOf(':') + 1))
                .findFirst()
                .map(CpuFeatures::of)
                .orElseGet(CpuFeatures::unknown);
    }

    /** The features named in a space-separated flag list, as cpuinfo writes it. */
    public static CpuFeatures of(String flagList) {
        return new CpuFeatures(Optional.of(Arrays.stream(flagList.trim().split("\\s+"))
                .filter(flag -> !flag.isEmpty()).collect(Collectors.toUnmodifiableSet())));
    }

    public static CpuFeatures unknown() {
        return new CpuFeatures(Optional.empty());
    }

    /**
     * Why a model in {@code precision} would run slowly here, or empty when it may be fast (or the flags are unknown).
     * bfloat16 needs AVX-512 BF16 or AMX, without which libtorch emulates it (several times slower than float32);
     * int8 needs at least AVX2, where fbgemm's kernels start (VNNI makes them faster still, but is not required to beat
     * float32).
     */
    public Optional<String> whySlow(Precision precision) {
        if (flags.isEmpty()) {
            return Optional.empty();
        }
        return switch (precision) {
            case FP32 -> Optional.empty();
            case BF16 -> has("avx512_bf16") || has("amx_bf16") ? Optional.empty()
                    : Optional.of("bf16 is emulated on this CPU: no avx512_bf16 or amx_bf16");
            case INT8 -> has("avx2") || has("avx512_vnni") || has("avx_vnni") || has("amx_int8") ? Optional.empty()
                    : Optional.of("int8 kernels need avx2 at least, this CPU has none");
        };
    }

    /** A one-line summary for the start-up log: the flags that matter here. */
    public String summary() {
        return flags.map(f -> {
            String present = Precision.RELEVANT_FLAGS.stream().filter(f::contains).collect(Collectors.joining(" "));
            return present.isEmpty() ? "none of " + Precision.RELEVANT_FLAGS : present;
        }).orElse("unknown (no flags in " + CPUINFO + ")");
    }

    private boolean has(String flag) {
        return flags.orElseThrow().contains(flag);
    }
}
