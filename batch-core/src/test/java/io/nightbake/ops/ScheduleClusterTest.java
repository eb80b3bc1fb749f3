package io.nightbake.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeApplication;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two Nightbake nodes share one PostgreSQL with the Quartz JDBC job store in cluster mode. The trigger fires every
 * two seconds for a while: the cluster must start exactly one run for the day, never a second run of its job
 * instance, and a double launch of another date from both nodes at once must create one run only.
 */
class ScheduleClusterTest {

    @TempDir
    Path home;

    private ConfigurableApplicationContext node(String schema) {
        List<String> args = Postgres.springArgs(schema);
        args.addAll(List.of("--nightbake.home=" + home, "--spring.quartz.auto-startup=true",
                "--nightbake.schedule.cron=*/2 * * * * ?", "--nightbake.retrain.threads=1"));
        return new SpringApplicationBuilder(NightbakeApplication.class).web(WebApplicationType.NONE)
                .run(args.toArray(String[]::new));
    }

    @Test
    void twoNodesFireOneRunPerNightAndADoubleFireCreatesNoSecondRun() throws Exception {
        new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(2).withSeed(3).withLargestTenant(120, 60)
                .withSmallestCustomers(60), home.resolve("tenants"));
        String schema = Postgres.newSchema();
        try (ConfigurableApplicationContext a = node(schema); ConfigurableApplicationContext b = node(schema)) {
            assertThat(Postgres.count(schema, "SELECT count(*) FROM qrtz_scheduler_state")).isEqualTo(2);
            // several fire times pass, on whichever node the cluster picks
            long deadline = System.currentTimeMillis() + 60_000;
            while (Postgres.count(schema, "SELECT count(*) FROM batch_job_execution WHERE status = 'COMPLETED'") == 0
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(500);
            }
            Thread.sleep(6_000);
            assertThat(Postgres.count(schema, "SELECT count(*) FROM batch_job_instance")).isEqualTo(1);
            assertThat(Postgres.count(schema, "SELECT count(*) FROM batch_job_execution")).isEqualTo(1);
            assertThat(Postgres.count(schema, "SELECT count(*) FROM batch_job_execution WHERE status = 'COMPLETED'")).isEqualTo(1);

            // a manual double launch of one date, from both nodes at the same moment
            LocalDate date = LocalDate.of(2026, 10, 20);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<JobExecution>> launches = new ArrayList<>();
            for (ConfigurableApplicationContext node : List.of(a, b)) {
                Callable<JobExecution> launch = () -> node.getBean(NightlyLauncher.class).run(date);
                launches.add(pool.submit(launch));
            }
            for (Future<JobExecution> launch : launches) {
                launch.get();
            }
            pool.shutdown();
            assertThat(Postgres.count(schema, "SELECT count(*) FROM batch_job_instance")).isEqualTo(2);
            assertThat(Postgres.count(schema, "SELECT count(*) FROM batch_job_execution")).isEqualTo(2);
            // and once more, after it completed
            a.getBean(NightlyLauncher.class).run(date);
            assertThat(Postgres.count(schema, "SELECT count(*) FROM batch_job_execution")).isEqualTo(2);
        }
    }
}
