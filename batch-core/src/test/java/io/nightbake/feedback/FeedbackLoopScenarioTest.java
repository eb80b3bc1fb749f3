package io.nightbake.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeApplication;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.batch.TenantDiscovery;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.serving.ServingService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The loop at demo scale: a first week serves the popularity baseline (a template whose min-training-rows no tenant
 * reaches), the simulator clicks by the generator's planted preferences, the next night trains on the data plus that
 * feedback and promotes a trained model, a second week is simulated on its lists; the performance endpoint and the
 * Prometheus gauges then show the promoted model's CTR above the popularity baseline's.
 */
class FeedbackLoopScenarioTest {

    private static final LocalDate FIRST_NIGHT = LocalDate.of(2026, 10, 24);
    private static final LocalDate SECOND_NIGHT = LocalDate.of(2026, 10, 31);

    @TempDir
    Path home;

    @Test
    void promotedModelEarnsMoreClicksThanThePopularityBaseline() throws Exception {
        FleetSpec spec = FleetSpec.defaults().withTenants(3).withSeed(3).withLargestTenant(400, 80).withSmallestCustomers(250);
        new SyntheticFleetGenerator().generate(spec, home.resolve("tenants"));
        Path popularityFirst = home.resolve("popularity-template.yaml");
        Files.writeString(popularityFirst, "name: popularity-first\nmin-training-rows: 100000000\n");
        List<String> args = new ArrayList<>(List.of("--nightbake.home=" + home, "--nightbake.security.enabled=false",
                "--nightbake.retrain.threads=1"));

        List<String> first = new ArrayList<>(args);
        first.add("--nightbake.template=" + popularityFirst);
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(NightbakeApplication.class)
                .web(WebApplicationType.NONE).run(first.toArray(String[]::new))) {
            context.getBean(TenantDiscovery.class).registerNewTenants();
            assertThat(context.getBean(NightlyLauncher.class).run(FIRST_NIGHT).getStatus().name()).isEqualTo("COMPLETED");
            context.getBean(ServingService.class).start();
            context.getBean(FeedbackSimulator.class).simulate(spec, FIRST_NIGHT.plusDays(1), SECOND_NIGHT, 1, 60, 10);
        }

        List<String> second = new ArrayList<>(args);
        second.add("--server.port=0");
        second.add("--server.address=127.0.0.1");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(NightbakeApplication.class)
                .web(WebApplicationType.SERVLET).run(second.toArray(String[]::new))) {
            assertThat(context.getBean(NightlyLauncher.class).run(SECOND_NIGHT).getStatus().name()).isEqualTo("COMPLETED");
            context.getBean(ServingService.class).start();
            context.getBean(FeedbackSimulator.class).simulate(spec, SECOND_NIGHT.plusDays(1), SECOND_NIGHT.plusDays(7), 1, 60, 10);
            context.getBean(FeedbackCompaction.class).compact(SECOND_NIGHT.plusDays(7));

            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            HttpClient http = HttpClient.newHttpClient();
            JsonMapper json = JsonMapper.builder().build();
            int compared = 0;
            for (int t = 1; t <= spec.tenants(); t++) {
                String tenant = SyntheticFleetGenerator.tenantId(t).value();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/admin/tenants/" + tenant + "/performance?from=" + FIRST_NIGHT + "&to=" + SECOND_NIGHT.plusDays(7)))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode popularity = null;
                JsonNode trained = null;
                for (JsonNode v : json.readTree(r.body()).get("versions")) {
                    if ("popularity".equals(v.get("algorithm").stringValue())) {
                        popularity = v;
                    } else if (!(v.get("ranking").isString() && "popularity".equals(v.get("ranking").stringValue()))) {
                        trained = v; // a promoted version whose own lists were published (not the guard's popularity)
                    }
                }
                assertThat(popularity).as("%s served the popularity baseline in week 1: %s", tenant, r.body()).isNotNull();
                if (trained != null) {
                    compared++;
                    assertThat(trained.get("ctr").doubleValue()).as("%s: trained model's CTR vs popularity's: %s", tenant, r.body())
                            .isGreaterThan(popularity.get("ctr").doubleValue());
                    assertThat(trained.get("impressions").longValue()).isPositive();
                }
            }
            assertThat(compared).as("tenants whose trained model was promoted and served").isPositive();

            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            double trainedCtr = gauge(metrics, "nightbake_model_ctr\\{model=\"trained\"\\}");
            double popularityCtr = gauge(metrics, "nightbake_model_ctr\\{model=\"popularity\"\\}");
            assertThat(trainedCtr).as(metrics).isGreaterThan(popularityCtr);
            assertThat(popularityCtr).isPositive();
            assertThat(gauge(metrics, "nightbake_tenants\\{state=\"ON\"\\}")).isEqualTo(3.0);
            assertThat(gauge(metrics, "nightbake_fleet_ctr")).isPositive();
        }
    }

    private static double gauge(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.eE+-]+)$").matcher(metrics);
        assertThat(m.find()).as("%s in %s", name, metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
