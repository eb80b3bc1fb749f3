package io.nightbake.runs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeProperties;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HousekeepingTest {

    @TempDir
    Path home;

    @Test
    void unpromotedModelFilesAndBaselineArmsBeyondTheNewestAreDeletedAndEmptyStagingFoldersGo() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        TenantId t = TenantId.of("acme");
        TenantRegistry tenants = new TenantRegistry(ds, Clock.systemUTC());
        tenants.register(t, TenantState.ON, "test", "test");
        ModelRegistry models = new ModelRegistry(ds, Clock.systemUTC());
        Path[] dirs = new Path[7];
        for (int v = 1; v <= 6; v++) {
            dirs[v] = Files.createDirectories(home.resolve("models/acme/v" + v));
            Files.writeString(dirs[v].resolve("ranking.onnx"), "x");
            boolean promoted = v == 1;
            models.register(new ModelVersion(t, 0, LocalDate.of(2026, 10, v), "default", 1, "fm", "{}", "f", 10, 2, 0.9, null,
                    1.0, null, promoted ? ModelVersion.Decision.PROMOTED : ModelVersion.Decision.REJECTED, "r", "lib",
                    dirs[v].toString(), Instant.now(), Instant.now()), "nightly");
        }
        Path[] baselines = new Path[4];
        for (int night = 1; night <= 3; night++) { // an experiment's baseline arm, one folder a night
            baselines[night] = Files.createDirectories(home.resolve("models/acme/baseline-2026-10-0" + night));
            Files.writeString(baselines[night].resolve("ranking.onnx"), "x");
        }
        Path emptyStaging = Files.createDirectories(home.resolve("staging/2026-10-01/acme"));
        Path stagedFile = Files.createDirectories(home.resolve("staging/2026-10-02/acme")).resolve("1.parquet");
        Files.writeString(stagedFile, "x");

        int deleted = new Housekeeping(tenants, models, new NightbakeProperties(home, "", new NightbakeProperties.Retrain(1), null), 3, 2)
                .clean();
        assertThat(deleted).isEqualTo(3); // rejected 2..6: the newest three (6, 5, 4) keep their files; baseline 1 goes
        assertThat(dirs[1]).as("the champion").exists();
        assertThat(dirs[2]).doesNotExist();
        assertThat(dirs[3]).doesNotExist();
        assertThat(dirs[4]).exists();
        assertThat(dirs[6]).exists();
        assertThat(models.versions(t)).as("the records stay").hasSize(6);
        assertThat(baselines[1]).doesNotExist();
        assertThat(baselines[2]).exists();
        assertThat(baselines[3]).as("tonight's").exists();
        assertThat(emptyStaging).doesNotExist();
        assertThat(emptyStaging.getParent()).doesNotExist();
        assertThat(stagedFile).exists();
        assertThat(home.resolve("staging")).exists();
    }
}
