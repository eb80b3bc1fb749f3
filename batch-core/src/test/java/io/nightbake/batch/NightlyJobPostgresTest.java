package io.nightbake.batch;

import io.nightbake.ops.Postgres;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The nightly scenario on the production profile: PostgreSQL holds the job repository and the registries. */
@ActiveProfiles("postgres")
class NightlyJobPostgresTest extends NightlyScenario {

    @TempDir
    static Path home;

    private static final String SCHEMA = Postgres.newSchema();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        fleet(home, registry);
        registry.add("spring.datasource.url", () -> Postgres.url(SCHEMA));
        registry.add("spring.datasource.username", () -> Postgres.USER);
        registry.add("spring.flyway.schemas", () -> SCHEMA);
    }

    @Override
    Path home() {
        return home;
    }
}
