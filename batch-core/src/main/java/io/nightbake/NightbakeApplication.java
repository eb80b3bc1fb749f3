package io.nightbake;

import io.nightbake.access.ApiKeyRegistry;
import io.nightbake.config.ControlSettings;
import io.nightbake.config.TemplateLoader;
import io.nightbake.experiment.ArmKpiSource;
import io.nightbake.experiment.ExperimentRegistry;
import io.nightbake.experiment.JdbcArmKpiSource;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.model.ModelRegistry;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The Spring Boot application: wires the plain-Java libraries to the database and the nightly job. */
@SpringBootApplication
@EnableConfigurationProperties(NightbakeProperties.class)
@EnableScheduling
public class NightbakeApplication {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Loaded and validated at start-up: a bad template stops the application with a message naming the key. */
    @Bean
    TemplatePipeline templatePipeline(NightbakeProperties properties) {
        return TemplateLoader.load(properties.template());
    }

    @Bean
    TenantRegistry tenantRegistry(DataSource dataSource, Clock clock) {
        return new TenantRegistry(dataSource, clock);
    }

    @Bean
    ModelRegistry modelRegistry(DataSource dataSource, Clock clock) {
        return new ModelRegistry(dataSource, clock);
    }

    @Bean
    SnapshotRegistry snapshotRegistry(DataSource dataSource, Clock clock) {
        return new SnapshotRegistry(dataSource, clock);
    }

    @Bean
    ApiKeyRegistry apiKeyRegistry(DataSource dataSource, Clock clock) {
        return new ApiKeyRegistry(dataSource, clock);
    }

    @Bean
    ExperimentRegistry experimentRegistry(DataSource dataSource, Clock clock) {
        return new ExperimentRegistry(dataSource, clock);
    }

    /**
     * The KPI counts per arm and day the experiments read; {@code nightbake.control.kpi-sql} replaces the default
     * query over the feedback loop's {@code nb_feedback_daily} (see {@link JdbcArmKpiSource} for the parameters and columns).
     */
    @Bean
    ArmKpiSource armKpiSource(DataSource dataSource,
                              @Value("${nightbake.control.kpi-sql:}") String sql) {
        return sql == null || sql.isBlank() ? new JdbcArmKpiSource(dataSource) : new JdbcArmKpiSource(dataSource, sql);
    }

    /** Tenants in ab or bandit mode get their challengers tested on customers, not promoted on the offline gate. */
    @Bean
    TenantRetrainer tenantRetrainer(TemplatePipeline template, ModelRegistry models, NightbakeProperties properties, Clock clock,
                                    ExperimentRegistry experiments) {
        return new TenantRetrainer(template, models, properties.modelsDir(), clock).withExperiments(tenant ->
                !ControlSettings.MANUAL.equals(experiments.mode(tenant, template.control())));
    }
}
