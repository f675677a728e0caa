package dev.inferq.worker.inference.variant;

import java.util.List;
import java.util.Locale;

/** The arithmetic a model variant runs in, as {@code variant.<name>.precision} in serving.properties names it. */
public enum Precision {
    FP32, BF16, INT8;

    /** The CPU flags {@link CpuFeatures#whySlow} looks at, in the order the start-up log lists them. */
    static final List<String> RELEVANT_FLAGS = List.of(
            "avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8");

    /** {@code fp32}, {@code bf16} or {@code int8}, in any case. */
    public static Precision parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown precision '" + text + "' (fp32, bf16 or int8)", e);
        }
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
