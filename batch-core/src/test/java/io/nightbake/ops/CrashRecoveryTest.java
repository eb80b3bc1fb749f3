package io.nightbake.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeApplication;
import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.RunReport;
import io.nightbake.model.ModelArtifactsCheck;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.runs.RunRecovery;
import io.nightbake.runs.RunsService;
import io.nightbake.serving.TenantSnapshotIndex;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Nightbake runs as a child process on PostgreSQL and is killed with SIGKILL in the middle of the retrain step. The
 * next start marks the dead run failed and the rerun finishes it: tenants that completed are not retrained again,
 * the others are, and every tenant ends with one champion, one model version for the night and one published snapshot.
 */
class CrashRecoveryTest {

    private static final LocalDate NIGHT = LocalDate.of(2026, 10, 31);
    private static final int TENANTS = 6;

    @TempDir
    Path home;

    @Test
    void killedRunIsRecoveredAndRerunWithoutRedoingFinishedTenants() throws Exception {
        new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(TENANTS).withSeed(11)
                .withLargestTenant(2500, 400).withSmallestCustomers(1200), home.resolve("tenants"));
        String schema = Postgres.newSchema();
        List<String> springArgs = Postgres.springArgs(schema);
        springArgs.addAll(List.of("--nightbake.home=" + home, "--nightbake.retrain.threads=1"));

        Process child = startChild(springArgs);
        try {
            long deadline = System.currentTimeMillis() + 180_000;
            while (versionsTonight(schema) < 2 && child.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(child.isAlive()).as("the child is still retraining when it is killed (see %s)", home.resolve("child.log"))
                    .isTrue();
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        Set<String> finishedBeforeKill = new HashSet<>(Postgres.strings(schema,
                "SELECT tenant_id FROM nb_model_version WHERE run_date = DATE '" + NIGHT + "'"));
        assertThat(finishedBeforeKill).hasSizeBetween(2, TENANTS - 1);
        assertThat(Postgres.count(schema, "SELECT count(*) FROM batch_job_execution WHERE status = 'STARTED'")).isEqualTo(1);
        long killedRun = Postgres.count(schema, "SELECT max(job_execution_id) FROM batch_job_execution");

        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(NightbakeApplication.class)
                .web(WebApplicationType.NONE).run(springArgs.toArray(String[]::new))) {
            assertThat(context.getBean(RunRecovery.class).recoverDeadRuns()).containsExactly(killedRun);
            RunReport.Run rerun = context.getBean(RunsService.class).rerun(killedRun);
            assertThat(rerun.status().name()).isEqualTo("COMPLETED");
        }

        long rerunExecution = Postgres.count(schema, "SELECT max(job_execution_id) FROM batch_job_execution");
        List<String> retrainedByRerun = Postgres.strings(schema, "SELECT step_name FROM batch_step_execution WHERE job_execution_id = "
                + rerunExecution + " AND step_name LIKE '" + NightlyJobConfig.RETRAIN_WORKER + ":%'");
        Set<String> unfinished = new HashSet<>();
        for (int i = 1; i <= TENANTS; i++) {
            unfinished.add(String.format("tenant-%03d", i));
        }
        unfinished.removeAll(finishedBeforeKill);
        List<String> expected = new ArrayList<>();
        unfinished.forEach(t -> expected.add(NightlyJobConfig.RETRAIN_WORKER + ":" + t));
        // a tenant killed after registering its version but before its partition completed reruns its partition,
        // finds tonight's version and reuses it; no tenant is trained twice
        assertThat(retrainedByRerun).containsAll(expected);
        assertThat(Postgres.count(schema, "SELECT count(*) FROM nb_model_version WHERE run_date = DATE '" + NIGHT + "'"))
                .isEqualTo(TENANTS);
        assertThat(Postgres.count(schema, "SELECT count(DISTINCT tenant_id) FROM nb_model_version")).isEqualTo(TENANTS);
        assertThat(Postgres.count(schema, "SELECT count(*) FROM nb_champion")).isEqualTo(TENANTS);
        assertThat(Postgres.count(schema, "SELECT count(*) FROM nb_published WHERE snapshot_id IS NOT NULL")).isEqualTo(TENANTS);
        for (String path : Postgres.strings(schema, "SELECT artifact_path FROM nb_model_version")) {
            ModelArtifactsCheck.assertComplete(Path.of(path));
        }
        for (String path : Postgres.strings(schema, "SELECT s.path FROM nb_snapshot s JOIN nb_published p "
                + "ON p.tenant_id = s.tenant_id AND p.snapshot_id = s.snapshot_id")) {
            assertThat(TenantSnapshotIndex.load(Path.of(path), "check", Instant.now()).customerCount()).isPositive();
        }
    }

    private static long versionsTonight(String schema) {
        try {
            return Postgres.count(schema, "SELECT count(*) FROM nb_model_version WHERE run_date = DATE '" + NIGHT + "'");
        } catch (IllegalStateException notYetMigrated) {
            return 0;
        }
    }

    private Process startChild(List<String> springArgs) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        for (String open : System.getProperty("nightbake.test.add-opens", "").split(" ")) {
            if (!open.isBlank()) {
                command.add(open);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.nightbake.NightbakeCli", "run-nightly",
                "--date", NIGHT.toString()));
        command.addAll(springArgs);
        File log = home.resolve("child.log").toFile();
        Files.createDirectories(home);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    }
}
