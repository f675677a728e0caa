package dev.inferq.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthStartupWarningsTest {

    private static AuthProperties auth(AuthProperties.Mode mode, List<String> keys, String admin) {
        return new AuthProperties(mode, keys, admin);
    }

    @Test
    void requiredWithNoKeyAtAllWarnsNamingTheSettings() {
        List<String> warnings = AuthStartupWarnings.of(auth(AuthProperties.Mode.REQUIRED, List.of(), ""));
        assertThat(warnings).singleElement().asString()
                .contains("every API call answers 401", "INFERQ_API_KEYS", "INFERQ_ADMIN_KEY", "INFERQ_AUTH_MODE",
                        ".env.example");
    }

    @Test
    void configuredKeysOrAnAdminKeyOrOpenModeAreSound() {
        assertThat(AuthStartupWarnings.of(auth(AuthProperties.Mode.REQUIRED, List.of("a:s3cret-a"), ""))).isEmpty();
        assertThat(AuthStartupWarnings.of(auth(AuthProperties.Mode.REQUIRED, List.of(), "s3cret-admin"))).isEmpty();
        assertThat(AuthStartupWarnings.of(auth(AuthProperties.Mode.OPEN, List.of(), ""))).isEmpty();
    }

    @Test
    void thePublishedDevelopmentKeysAreCalledOut() {
        assertThat(AuthStartupWarnings.of(auth(AuthProperties.Mode.REQUIRED, List.of("dev:dev-key"), "")))
                .singleElement().asString().contains("development keys", "INFERQ_API_KEYS");
        assertThat(AuthStartupWarnings.of(auth(AuthProperties.Mode.REQUIRED, List.of("a:x"), "dev-admin-key")))
                .singleElement().asString().contains("development keys");
    }
}
