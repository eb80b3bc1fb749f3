package io.nightbake.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.TriggerBuilder;

class NightlyQuartzJobTest {

    private final CronTrigger daily = TriggerBuilder.newTrigger().withIdentity("t")
            .withSchedule(CronScheduleBuilder.cronSchedule("0 0 1 * * ?").inTimeZone(TimeZone.getTimeZone("Europe/Paris")))
            .build();

    @Test
    void aMisfireFiredLateTakesTheNightItWasScheduledFor() {
        // the 01:00 Paris fire of Nov 5 (00:00 UTC) fired late, the next day at 00:30 Paris time
        Instant late = Instant.parse("2026-11-05T23:30:00Z");
        assertThat(NightlyQuartzJob.latestCronTime(daily, late)).isEqualTo(Instant.parse("2026-11-05T00:00:00Z"));
        // an on-time fire keeps its own time
        Instant onTime = Instant.parse("2026-11-05T00:00:00Z");
        assertThat(NightlyQuartzJob.latestCronTime(daily, onTime)).isEqualTo(onTime);
    }
}
