package dev.inferq.worker.inference.variant;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which precisions a CPU runs fast, from real {@code /proc/cpuinfo} flag lines. */
class CpuFeaturesTest {

    /** AMD EPYC (Zen 3) as this project's 2-core machines report it: AVX2 and FMA, no AVX-512, no AMX. */
    static final String AMD_EPYC_ZEN3 = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
            + "clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl "
            + "xtopology nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 "
            + "x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a "
            + "misalignsse 3dnowprefetch osvw topoext invpcid_single ssbd ibrs ibpb stibp vmmcall fsgsbase bmi1 avx2 "
            + "smep bmi2 erms invpcid rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves clzero "
            + "xsaveerptr rdpru wbnoinvd arat npt nrip_save umip vaes vpclmulqdq rdpid fsrm";
    /** Intel Xeon (Sapphire Rapids), the machine of the first measurements: AVX-512 BF16 and AMX. */
    static final String INTEL_XEON_SPR = "fpu vme de pse tsc msr pae mce cx8 apic sep sse sse2 ssse3 fma sse4_1 "
            + "sse4_2 avx f16c avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni avx_vnni avx512_bf16 "
            + "amx_bf16 amx_tile amx_int8 avx512_fp16";

    @Test
    void anAvx2OnlyCpuRunsFloat32AndInt8FastButEmulatesBfloat16() {
        CpuFeatures amd = CpuFeatures.of(AMD_EPYC_ZEN3);

        assertThat(amd.whySlow(Precision.FP32)).isEmpty();
        assertThat(amd.whySlow(Precision.INT8)).isEmpty();
        assertThat(amd.whySlow(Precision.BF16)).hasValueSatisfying(why ->
                assertThat(why).contains("bf16 is emulated").contains("avx512_bf16").contains("amx_bf16"));
        assertThat(amd.summary()).isEqualTo("avx2");
    }

    @Test
    void aCpuWithAvx512Bf16OrAmxRunsEveryPrecisionFast() {
        CpuFeatures intel = CpuFeatures.of(INTEL_XEON_SPR);

        for (Precision precision : Precision.values()) {
            assertThat(intel.whySlow(precision)).as("%s", precision).isEmpty();
        }
        assertThat(CpuFeatures.of("avx2 amx_bf16").whySlow(Precision.BF16)).isEmpty();
        assertThat(CpuFeatures.of("avx2 avx512f avx512_bf16").whySlow(Precision.BF16)).isEmpty();
        assertThat(CpuFeatures.of("avx2 avx512f").whySlow(Precision.BF16)).isPresent();
        assertThat(intel.summary()).isEqualTo("avx2 avx512f avx512_vnni avx_vnni avx512_bf16 amx_tile amx_bf16 amx_int8");
    }

    @Test
    void aCpuWithoutAvx2HasNoFastInt8() {
        assertThat(CpuFeatures.of("fpu sse sse2 sse4_2 avx").whySlow(Precision.INT8))
                .hasValueSatisfying(why -> assertThat(why).contains("avx2"));
        assertThat(CpuFeatures.of("sse2").summary()).startsWith("none of [avx2,");
    }

    @Test
    void readsTheFirstProcessorsFlagsFromCpuinfo() {
        String cpuinfo = """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                model name\t: AMD EPYC
                flags\t\t: %s
                bugs\t\t: sysret_ss_attrs spectre_v1

                processor\t: 1
                flags\t\t: %s
                """.formatted(AMD_EPYC_ZEN3, AMD_EPYC_ZEN3);

        CpuFeatures features = CpuFeatures.fromCpuinfo(cpuinfo);

        assertThat(features.flags()).hasValueSatisfying(flags -> assertThat(flags).contains("avx2", "fma")
                .doesNotContain("avx512f", "sysret_ss_attrs"));
        assertThat(features.whySlow(Precision.BF16)).isPresent();
    }

    @Test
    void withoutAFlagsLineNothingIsRuledOut() {
        // aarch64 lists "Features", not "flags": measuring alone decides there
        CpuFeatures arm = CpuFeatures.fromCpuinfo("processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1\n");

        assertThat(arm.flags()).isEmpty();
        for (Precision precision : Precision.values()) {
            assertThat(arm.whySlow(precision)).isEmpty();
        }
        assertThat(arm.summary()).startsWith("unknown");
        assertThat(CpuFeatures.unknown()).isEqualTo(arm);
    }

    @Test
    void thisMachinesFlagsAreReadWhereLinuxHasThem() {
        CpuFeatures here = CpuFeatures.ofThisMachine();

        assertThat(here.flags().isPresent()).isEqualTo(System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"));
    }
}
