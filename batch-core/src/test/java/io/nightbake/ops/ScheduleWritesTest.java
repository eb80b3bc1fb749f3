package io.nightbake.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeApplication;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Only a scheduling process writes the cluster's shared Quartz trigger, and only when its settings differ: a one-shot
 * command (here: an application context started as the CLI starts it, with the CLI's default cron and zone) and a
 * second scheduling node with the same settings leave the trigger (and its next fire time) untouched.
 */
class ScheduleWritesTest {

    @TempDir
    Path home;

    private ConfigurableApplicationContext start(String schema, String... more) {
        List<String> args = Postgres.springArgs(schema);
        args.add("--nightbake.home=" + home);
        args.addAll(List.of(more));
        return new SpringApplicationBuilder(NightbakeApplication.class).web(WebApplicationType.NONE)
                .run(args.toArray(String[]::new));
    }

    private static String trigger(String schema) {
        return String.join(" | ", Postgres.strings(schema, "SELECT c.cron_expression || ' ' || c.time_zone_id || ' ' "
                + "|| t.start_time || ' ' || t.next_fire_time FROM qrtz_cron_triggers c JOIN qrtz_triggers t "
                + "ON t.sched_name = c.sched_name AND t.trigger_name = c.trigger_name AND t.trigger_group = c.trigger_group"));
    }

    @Test
    void oneShotCommandsAndSameSettingsNodesNeverRewriteTheSharedTrigger() {
        String schema = Postgres.newSchema();
        String[] every2Minutes = {"--spring.quartz.auto-startup=true", "--nightbake.schedule.cron=0 */2 * * * ?",
                "--nightbake.schedule.zone=Europe/Paris"};
        try (ConfigurableApplicationContext nodeA = start(schema, every2Minutes)) {
            String set = trigger(schema);
            assertThat(set).startsWith("0 */2 * * * ? Europe/Paris");

            // a one-shot command (api-key create, runs...): no scheduler, the default cron and zone
            try (ConfigurableApplicationContext cli = start(schema)) {
                assertThat(trigger(schema)).isEqualTo(set);
            }
            assertThat(trigger(schema)).isEqualTo(set);

            // a second node with the same settings joins: the trigger stays as it is
            try (ConfigurableApplicationContext nodeB = start(schema, every2Minutes)) {
                assertThat(trigger(schema)).isEqualTo(set);
            }
            assertThat(Postgres.count(schema, "SELECT count(*) FROM qrtz_triggers")).isEqualTo(1);
        }
        // a scheduling node whose settings differ on purpose rewrites it
        try (ConfigurableApplicationContext nodeC = start(schema, "--spring.quartz.auto-startup=true",
                "--nightbake.schedule.cron=0 30 2 * * ?", "--nightbake.schedule.zone=UTC")) {
            assertThat(trigger(schema)).startsWith("0 30 2 * * ? UTC");
        }
    }
}
