package dev.inferq.gateway.auth;

import dev.inferq.gateway.docs.ApiDocumentation;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The API description's side of authentication: a bearer scheme, required by every operation but {@code GET /},
 * each of which then also answers 401 (no or a wrong key) and 403 (a key of the wrong kind). In open mode the
 * document stays the same: keys are still accepted, and the admin routes still need theirs.
 */
@Configuration(proxyBeanMethods = false)
public class AuthDocumentation {

    static final String SCHEME = "apiKey";
    static final String ADMIN_TAG = "admin";

    @Bean
    OpenApiCustomizer bearerKeys() {
        return api -> {
            if (api.getComponents() == null) {
                api.setComponents(new Components());
            }
            api.getComponents().addSecuritySchemes(SCHEME, new SecurityScheme()
                    .type(SecurityScheme.Type.HTTP)
                    .scheme("bearer")
                    .description("An API key, bound to a tenant: `Authorization: Bearer <key>`. A tenant sees only"
                            + " its own jobs; another tenant's job answers 404. The admin routes take the admin key."));
            api.addTagsItem(new Tag().name(ADMIN_TAG).description("Create, list and revoke API keys (admin key)"));
            api.getPaths().forEach((path, item) -> {
                if (path.equals("/")) {
                    return;
                }
                item.readOperations().forEach(operation -> {
                    operation.setSecurity(List.of(new SecurityRequirement().addList(SCHEME)));
                    operation.getResponses().addApiResponse("401",
                            new ApiResponse().$ref(ApiDocumentation.UNAUTHORIZED_RESPONSE));
                    operation.getResponses().addApiResponse("403",
                            new ApiResponse().$ref(ApiDocumentation.FORBIDDEN_RESPONSE));
                });
            });
        };
    }
}
