package dev.inferq.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.contract.Tenants;
import dev.inferq.testsupport.RealInfrastructureProperties;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Open mode, as {@code ./run-local} runs by default: no key needed, such requests are tenant {@code default}; a key
 * that is sent is still checked and its tenant used; the admin routes still need the admin key.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.auth.mode=open",
    "inferq.auth.api-keys=a:open-key-a",
    "inferq.auth.admin-key=open-admin-key"
})
@AutoConfigureWebTestClient(timeout = "PT30S")
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class OpenModeAuthIT {

    private static final String TEXTS = "{\"inputs\": [\"I loved it\"]}";


    @Autowired
    WebTestClient http;

    @Autowired
    JobStore store;

    @Test
    void withoutAKeyEveryRequestIsTheDefaultTenant() {
        String id = submit(http.post().uri("/v1/models/sentiment/jobs"));
        assertThat(store.find(new JobId(id)).block(Duration.ofSeconds(5)).tenant()).isEqualTo(Tenants.DEFAULT);
        http.get().uri("/v1/jobs/{id}", id).exchange().expectStatus().isOk();
        http.get().uri("/v1/jobs/{id}", id).header(HttpHeaders.AUTHORIZATION, "Bearer open-key-a").exchange()
                .expectStatus().isNotFound();
    }

    @Test
    void aKeyThatIsSentIsCheckedAndItsTenantUsed() {
        String id = submit(http.post().uri("/v1/models/sentiment/jobs")
                .header(HttpHeaders.AUTHORIZATION, "Bearer open-key-a"));
        assertThat(store.find(new JobId(id)).block(Duration.ofSeconds(5)).tenant()).isEqualTo("a");
        http.get().uri("/v1/jobs/{id}", id).exchange().expectStatus().isNotFound();

        http.get().uri("/v1/models").header(HttpHeaders.AUTHORIZATION, "Bearer wrong").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void theAdminRoutesStillNeedTheAdminKey() {
        http.get().uri("/v1/admin/keys").exchange().expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, AuthProblems.REALM);
        http.get().uri("/v1/admin/keys").header(HttpHeaders.AUTHORIZATION, "Bearer open-admin-key").exchange()
                .expectStatus().isOk();
    }

    private String submit(WebTestClient.RequestBodySpec request) {
        Map<String, Object> accepted = request.contentType(MediaType.APPLICATION_JSON).bodyValue(TEXTS).exchange()
                .expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
        return (String) accepted.get("id");
    }
}
