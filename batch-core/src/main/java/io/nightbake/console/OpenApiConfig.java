package io.nightbake.console;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The HTTP API's contract, published by springdoc at {@code /v3/api-docs} (Swagger UI at {@code /swagger-ui.html}),
 * both reachable without a key (they are under neither {@code /api} nor anything the key filter guards).
 *
 * <p>The admin and console controllers read their bodies as raw JSON to check them field by field with messages that
 * name the field, so springdoc would describe those bodies as plain strings. This customizer gives them their real
 * schemas and examples by path, and adds the error answers every {@code /api} endpoint may give (400, 401, 403, 404,
 * 409 where it applies) with the one error schema, so the contract lives in one place instead of annotations spread
 * over every controller. Endpoints added later get the security scheme and error answers without any change here.
 */
@Configuration
public class OpenApiConfig {

    static final String BEARER = "bearerKey";
    static final String HEADER = "apiKeyHeader";

    @Bean
    OpenAPI nightbakeOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Nightbake API").version("v1")
                        .description("Lookups of prebaked recommendations, feedback events, tenant self-service and the "
                                + "operators' admin API. Every /api request needs an API key: a tenant key reads and "
                                + "changes only its own tenant, an operator key everything. Errors are JSON "
                                + "{\"error\":\"code\",\"message\":\"what and how to fix\"}.")
                        .license(new License().name("Apache-2.0")))
                .components(new Components()
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .bearerFormat("nbk_<public id>_<secret>").description("Authorization: Bearer <key>"))
                        .addSecuritySchemes(HEADER, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name("X-Api-Key").description("the same key in X-Api-Key")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER))
                .addSecurityItem(new SecurityRequirement().addList(HEADER));
    }

    /** The error schema and the request schemas of the raw-JSON bodies (added with the references to them). */
    private static void schemas(Components components) {
        components.addSchemas("Error", new ObjectSchema().description("every error answer")
                .addProperty("error", new StringSchema().description("stable code for programs").example("invalid_request"))
                .addProperty("message", new StringSchema().description("what went wrong, naming the field")
                        .example("\"reason\" is required and must not be blank"))
                .required(List.of("error", "message")));
        components.addSchemas("StateRequest", new ObjectSchema()
                .addProperty("state", new StringSchema()._enum(List.of("ON", "FROZEN", "OFF")).example("FROZEN"))
                .addProperty("reason", reason("client asked to freeze the model")).required(List.of("state", "reason")));
        components.addSchemas("PinRequest", new ObjectSchema()
                .addProperty("version", new IntegerSchema().minimum(java.math.BigDecimal.ONE).example(3))
                .addProperty("reason", reason("version 4 recommends discontinued products"))
                .required(List.of("version", "reason")));
        components.addSchemas("ReasonRequest", new ObjectSchema()
                .addProperty("reason", reason("product feed fixed, ticket 1234")).required(List.of("reason")));
        components.addSchemas("NameRequest", new ObjectSchema()
                .addProperty("name", new StringSchema().maxLength(100).example("crm-backend")).required(List.of("name")));
    }

    private static Schema<String> reason(String example) {
        StringSchema reason = new StringSchema();
        reason.setMaxLength(1000);
        reason.setDescription("why, for the audit trail");
        reason.setExample(example);
        return reason;
    }

    /** Request schemas of the raw-JSON bodies, by method and path suffix. */
    private static String requestSchema(PathItem.HttpMethod method, String path) {
        if (method == PathItem.HttpMethod.POST) {
            if (path.endsWith("/state")) {
                return "StateRequest";
            }
            if (path.endsWith("/champion")) {
                return "PinRequest";
            }
            if (path.endsWith("/rollback") || path.endsWith("/rerun") && path.contains("/tenants/")) {
                return "ReasonRequest";
            }
            if (path.endsWith("/api-keys") || path.endsWith("/operator-keys")) {
                return "NameRequest";
            }
        }
        if (method == PathItem.HttpMethod.DELETE && path.contains("/api-keys/")) {
            return "ReasonRequest";
        }
        return null;
    }

    @Bean
    OpenApiCustomizer nightbakeContract() {
        return api -> {
            if (api.getComponents() == null) {
                api.setComponents(new Components());
            }
            schemas(api.getComponents());
            if (api.getPaths() == null) {
                return;
            }
            api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                String schema = requestSchema(method, path);
                if (schema != null) {
                    boolean required = !(method == PathItem.HttpMethod.DELETE);
                    operation.setRequestBody(new RequestBody().required(required).content(new Content().addMediaType(
                            "application/json", new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + schema)))));
                }
                if (path.startsWith("/api/")) {
                    errors(operation, path, method);
                }
            }));
        };
    }

    private static void errors(Operation operation, String path, PathItem.HttpMethod method) {
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        responses.addApiResponse("400", error("invalid_request: a bad id, parameter or body field, named in the message"));
        responses.addApiResponse("401", error("unauthorized: no API key, or an unknown or revoked one"));
        responses.addApiResponse("403", error("forbidden: a tenant key on another tenant or on the admin API"));
        if (path.contains("{")) {
            responses.addApiResponse("404", error("the tenant, customer, run or key named in the path does not exist"));
        }
        if (method == PathItem.HttpMethod.POST && path.contains("/admin/")) {
            responses.addApiResponse("409", error("the tenant's situation does not allow it (e.g. nothing to roll back)"));
        }
        operation.setResponses(responses);
    }

    private static ApiResponse error(String description) {
        return new ApiResponse().description(description).content(new Content().addMediaType("application/json",
                new MediaType().schema(new Schema<>().$ref("#/components/schemas/Error"))));
    }
}
