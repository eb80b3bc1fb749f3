package io.nightbake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeCli;
import io.nightbake.experiment.ExperimentRegistry;
import io.nightbake.ops.Postgres;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.tenant.TenantId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The read-only commands without the application ({@link ReadOnlyContext}): the same output, error lines and exit codes
 * as in the full application ({@code --nightbake.cli.fast-reads=false}) on the same home, nothing written, and a
 * database whose schema is missing or older refused instead of migrated.
 */
class ReadOnlyCommandsTest {

    private static final String FULL = "--" + ReadOnlyContext.FAST_READS + "=false";

    @TempDir
    static Path home;

    @TempDir
    Path scratch;

    private record Cli(int code, String out, String err) {
    }

    private static Cli run(Path home, List<String> extra, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--nightbake.home=" + home);
        all.addAll(extra);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NightbakeCli.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Cli run(String... args) {
        return run(home, List.of(), args);
    }

    private static JdbcTemplate h2(Path home) {
        return new JdbcTemplate(new DriverManagerDataSource("jdbc:h2:file:" + home + "/db/nightbake;AUTO_SERVER=TRUE", "sa", ""));
    }

    /** A home with one night, a retired tenant, keys, a tenant in bandit mode with an experiment, a new data folder. */
    @BeforeAll
    static void homeWithANight() throws Exception {
        FleetSpec fleet = FleetSpec.defaults().withTenants(3).withSeed(5).withLargestTenant(120, 40).withSmallestCustomers(80);
        new SyntheticFleetGenerator().generate(fleet, home.resolve("tenants"));
        LocalDate night = fleet.referenceTime().atZone(ZoneOffset.UTC).toLocalDate().minusDays(1);
        Cli ran = run("run-nightly", "--date", night.toString());
        assertThat(ran.code()).as(ran.err()).isZero();
        for (String[] command : new String[][] {{"retire-tenant", "--tenant", "tenant-003", "--reason", "contract ended"},
                {"api-key", "create", "--operator", "ops"}, {"api-key", "create", "--tenant", "tenant-001", "--name", "crm"},
                {"set-control", "--tenant", "tenant-001", "--mode", "bandit", "--reason", "try the bandit"}}) {
            Cli done = run(command);
            assertThat(done.code()).as(String.join(" ", command) + ": " + done.err()).isZero();
        }
        JdbcTemplate db = h2(home);
        new ExperimentRegistry(db.getDataSource(), Clock.systemUTC()).start(TenantId.of("tenant-001"), "bandit", 1, 1, 0.1,
                night, 0.5, "first night");
        Files.createDirectories(home.resolve("tenants").resolve("newcomer"));
    }

    @Test
    void readOnlyCommandsPrintWhatTheFullApplicationPrints() {
        JdbcTemplate db = h2(home);
        String rows = "SELECT (SELECT COUNT(*) FROM nb_tenant) || '/' || (SELECT COUNT(*) FROM BATCH_JOB_EXECUTION) || '/'"
                + " || (SELECT COUNT(*) FROM \"flyway_schema_history\") || '/' || (SELECT COUNT(*) FROM nb_api_key)";
        String before = db.queryForObject(rows, String.class);
        String[][] commands = {{"tenants"}, {"runs"}, {"runs", "--limit", "1"}, {"runs", "--run", "1"}, {"runs", "--run", "99"},
                {"api-key", "list"}, {"api-key", "list", "--tenant", "tenant-001"}, {"api-key", "list", "--tenant", "Bad/Id"},
                {"experiment", "--tenant", "tenant-001"}, {"experiment", "--tenant", "tenant-002"},
                {"experiment", "--tenant", "nobody"}, {"runs", "--lmit", "1"}};
        for (String[] command : commands) {
            String what = String.join(" ", command);
            Cli fast = run(command);
            Cli full = run(home, List.of(FULL), command);
            assertThat(fast.code()).as(what + ": " + fast.err()).isEqualTo(full.code());
            assertThat(fast.out()).as(what).isEqualTo(full.out());
            assertThat(fast.err()).as(what).isEqualTo(full.err());
        }
        // the outputs compared above are the real ones, not two empty strings
        Cli tenants = run("tenants");
        assertThat(tenants.out()).contains("tenant-001", "tenant-003", "(retired)", "newcomer",
                "new data folder: the next night registers it as ON");
        assertThat(run("runs").out()).contains("COMPLETED");
        assertThat(run("runs", "--run", "1").out()).contains("nightly run", "tenant-002");
        assertThat(run("runs", "--run", "99").err().strip())
                .isEqualTo("error: no nightly run with id 99; `runs` (or GET /api/v1/admin/runs) lists them");
        assertThat(run("api-key", "list").out()).contains("ops", "crm", "OPERATOR", "TENANT");
        assertThat(run("experiment", "--tenant", "tenant-001").out()).contains("\"mode\" : \"bandit\"", "\"status\" : \"RUNNING\"");
        // listing changed nothing: no tenant registered, no run, no migration, no key
        assertThat(db.queryForObject(rows, String.class)).isEqualTo(before);
        assertThat(db.queryForObject("SELECT COUNT(*) FROM nb_tenant WHERE tenant_id = 'newcomer'", Integer.class)).isZero();
    }

    @Test
    void aDatabaseWithoutTheSchemaIsRefusedAndLeftEmpty() throws Exception {
        Path empty = Files.createDirectories(scratch.resolve("empty"));
        Cli refused = run(empty, List.of(), "tenants");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err().strip()).startsWith("error: the database jdbc:h2:file:" + empty + "/db/nightbake has no Nightbake "
                + "schema yet; read-only commands never migrate: run `recover` once").doesNotContain("\n", "Exception", "AUTO_SERVER");
        // nothing ran and nothing was created, not even an empty database file
        assertThat(empty.resolve("db")).doesNotExist();

        // an empty database (created by someone else): Flyway did not run, not even its history table was created
        h2(empty).execute("SELECT 1");
        Cli stillRefused = run(empty, List.of(), "runs");
        assertThat(stillRefused.code()).isEqualTo(1);
        assertThat(stillRefused.err()).contains("has no Nightbake schema yet");
        assertThat(h2(empty).queryForObject("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'",
                Integer.class)).isZero();
    }

    @Test
    void aDatabaseWithAnOlderSchemaIsRefusedAndNotMigrated() throws Exception {
        Path older = Files.createDirectories(scratch.resolve("older"));
        Cli migrated = run(older, List.of(FULL), "tenants"); // the full application migrates, as every command did
        assertThat(migrated.code()).as(migrated.err()).isZero();
        JdbcTemplate db = h2(older);
        // as a database from before the retired-tenants migration
        db.update("DROP TABLE nb_retired_tenant");
        db.update("DELETE FROM \"flyway_schema_history\" WHERE \"version\" = '62'");

        Cli refused = run(older, List.of(), "tenants");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err().strip()).isEqualTo("error: the database jdbc:h2:file:" + older + "/db/nightbake has an older "
                + "schema than this build (missing migrations [62]); read-only commands never migrate: run `recover` once (or"
                + " `run-nightly`, `serve`) to migrate it, then try again");
        assertThat(db.queryForObject("SELECT COUNT(*) FROM \"flyway_schema_history\" WHERE \"version\" = '62'", Integer.class))
                .isZero();
        assertThat(db.queryForObject("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'NB_RETIRED_TENANT'",
                Integer.class)).isZero();

        assertThat(run(older, List.of(), "recover").code()).isZero(); // what the message says to do
        Cli after = run(older, List.of(), "tenants");
        assertThat(after.code()).as(after.err()).isZero();
    }

    @Test
    void thePostgresProfileAndDatasourcePropertiesAreHonoured() {
        String schema = Postgres.newSchema();
        List<String> postgres = Postgres.springArgs(schema);
        List<String> full = new ArrayList<>(postgres);
        full.add(FULL);
        assertThat(run(scratch, postgres, "tenants").err()).contains("has no Nightbake schema yet");
        Cli created = run(scratch, full, "api-key", "create", "--operator", "pg-ops"); // a write: the full application
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(Postgres.count(schema, "SELECT COUNT(*) FROM flyway_schema_history")).isPositive();
        for (String[] command : new String[][] {{"api-key", "list"}, {"tenants"}, {"runs"}}) {
            Cli fast = run(scratch, postgres, command);
            Cli slow = run(scratch, full, command);
            assertThat(fast.code()).as(fast.err()).isZero().isEqualTo(slow.code());
            assertThat(fast.out()).isEqualTo(slow.out());
        }
        assertThat(run(scratch, postgres, "api-key", "list").out()).contains("pg-ops");
        assertThat(Files.exists(scratch.resolve("db"))).as("no H2 database next to PostgreSQL").isFalse();
    }
}
