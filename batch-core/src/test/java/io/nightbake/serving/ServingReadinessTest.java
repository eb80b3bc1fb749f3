package io.nightbake.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Readiness answers 503 "still loading" in a serving process until the index is loaded, then 200. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ServingReadinessTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.serving.expected", () -> "true");
        registry.add("nightbake.serving.refresh-millis", () -> "3600000");
        registry.add("nightbake.security.enabled", () -> "false");
    }

    @Autowired
    ServingService serving;
    @LocalServerPort
    int port;

    /** Where the requests go: Spring's Tomcat here; the lean listener in front of it in the *LeanTest subclass. */
    protected int port() {
        return port;
    }

    @Test
    void readinessWaitsForTheServingIndex() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest readiness = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/actuator/health/readiness"))
                .GET().build();

        HttpResponse<String> loading = http.send(readiness, HttpResponse.BodyHandlers.ofString());
        assertThat(loading.statusCode()).isEqualTo(503);
        assertThat(loading.body()).contains("OUT_OF_SERVICE", "the serving index is still loading: 0 of 0");

        HttpResponse<String> lookup = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port()
                + "/api/v1/tenants/acme/customers/c1/recommendations")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(lookup.statusCode()).isEqualTo(503);
        assertThat(lookup.body()).contains("\"error\":\"index_loading\"");

        serving.start();

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port()
                + "/api/v1/tenants/acme/customers/c1/recommendations")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);

        HttpResponse<String> ready = http.send(readiness, HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"servingIndex\"", "\"tenantsServed\":0");
    }
}
