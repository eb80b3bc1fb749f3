package io.nightbake.admin;

import io.nightbake.ops.Postgres;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The same tests on the production profile, against the real PostgreSQL: pin and rollback of the champion, state changes, snapshot rollback and the admin API. */
@ActiveProfiles("postgres")
class AdminApiPostgresTest extends AdminApiTest {

    private static final String SCHEMA = Postgres.newSchema();

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> Postgres.url(SCHEMA));
        registry.add("spring.datasource.username", () -> Postgres.USER);
        registry.add("spring.flyway.schemas", () -> SCHEMA);
    }

    @Override
    String[] cli(String... args) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(super.cli(args)));
        all.addAll(Postgres.springArgs(SCHEMA));
        return all.toArray(String[]::new);
    }
}
