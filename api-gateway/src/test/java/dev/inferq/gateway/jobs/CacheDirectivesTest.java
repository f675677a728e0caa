package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CacheDirectivesTest {

    @Test
    void noCacheNoStoreAndMaxAgeZeroBypassTheCacheInAnyCaseAndPosition() {
        assertThat(CacheDirectives.bypassesCache("no-cache")).isTrue();
        assertThat(CacheDirectives.bypassesCache("no-store")).isTrue();
        assertThat(CacheDirectives.bypassesCache("No-Cache")).isTrue();
        assertThat(CacheDirectives.bypassesCache("max-stale=60, no-store")).isTrue();
        assertThat(CacheDirectives.bypassesCache(" max-age=0 ")).isTrue();
        assertThat(CacheDirectives.bypassesCache("max-age=\"0\"")).isTrue();
    }

    @Test
    void noHeaderAndOtherDirectivesUseTheCache() {
        assertThat(CacheDirectives.bypassesCache(null)).isFalse();
        assertThat(CacheDirectives.bypassesCache("")).isFalse();
        assertThat(CacheDirectives.bypassesCache("max-age=60")).isFalse();
        assertThat(CacheDirectives.bypassesCache("only-if-cached, no-transform")).isFalse();
        assertThat(CacheDirectives.bypassesCache("x-no-cache")).isFalse();
    }
}
