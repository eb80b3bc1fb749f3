package io.nightbake.runs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.batch.NightlyLauncher;
import io.nightbake.model.ModelRegistry;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantRegistry;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A graceful stop while a night runs (what SIGTERM does through the context's shutdown): the night stops taking
 * tenants, lets the one in flight finish, ends STOPPED (not FAILED, not left STARTED for crash recovery) and frees the
 * run lock; restarting it finishes the remaining tenants without redoing the finished ones.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class GracefulStopTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(6).withSeed(5).withLargestTenant(300, 120)
                .withSmallestCustomers(60), home.resolve("tenants"));
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.retrain.threads", () -> "1");
    }

    @Autowired
    NightlyLauncher launcher;
    @Autowired
    GracefulStop gracefulStop;
    @Autowired
    RunLock lock;
    @Autowired
    ModelRegistry models;
    @Autowired
    TenantRegistry tenants;
    @Autowired
    DataSource dataSource;

    @Test
    void aStoppedNightEndsStoppedAndItsRestartDoesOnlyWhatIsLeft() throws Exception {
        LocalDate night = LocalDate.of(2026, 10, 31);
        CompletableFuture<JobExecution> run = CompletableFuture.supplyAsync(() -> {
            try {
                return launcher.run(night);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JdbcTemplate sql = new JdbcTemplate(dataSource);
        while (sql.queryForObject("SELECT count(*) FROM batch_step_execution WHERE step_name LIKE 'retrainTenant:%' "
                + "AND status = 'COMPLETED'", Long.class) == 0) {
            assertThat(run).as("the night ended before a stop could be asked").isNotDone();
            Thread.sleep(10);
        }
        assertThat(gracefulStop.stopRuns()).isTrue();
        JobExecution stopped = run.get();
        assertThat(stopped.getStatus()).isEqualTo(BatchStatus.STOPPED);
        assertThat(lock.holder()).isEmpty();
        long retrained = tenants.list().stream().filter(t -> !models.versions(t.id()).isEmpty()).count();
        assertThat(retrained).as("tenants not yet started were not started").isLessThan(6);

        JobExecution resumed = launcher.run(night);
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(resumed.getJobInstance().getInstanceId()).isEqualTo(stopped.getJobInstance().getInstanceId());
        for (Tenant tenant : tenants.list()) {
            assertThat(models.versions(tenant.id())).as("versions of %s", tenant.id()).hasSize(1);
        }
    }
}
