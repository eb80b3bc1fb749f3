package io.nightbake.schedule;

import java.time.ZoneId;
import java.util.TimeZone;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The nightly schedule: a cron trigger in a configured time zone. Misfire policy: fire once now and proceed
 * ("fire and proceed"): when no node was up at the trigger time (or all were busy), the first node back fires once
 * for the missed night, whose run date is the one it was scheduled for; several missed nights collapse into that one
 * fire, since tonight's retraining supersedes them. With the JDBC job store in cluster mode (production profile) one
 * node fires each trigger.
 */
@Configuration
public class NightlyScheduleConfig {

    @Bean
    JobDetail nightlyJobDetail(@Value("${nightbake.schedule.zone:UTC}") String zone) {
        JobDataMap data = new JobDataMap();
        data.put("zone", ZoneId.of(zone));
        return JobBuilder.newJob(NightlyQuartzJob.class).withIdentity("nightly", "nightbake")
                .withDescription("the nightly retrain, prebake and publish run").usingJobData(data).storeDurably().requestRecovery(true).build();
    }

    @Bean
    Trigger nightlyTrigger(JobDetail nightlyJobDetail, @Value("${nightbake.schedule.cron}") String cron,
                           @Value("${nightbake.schedule.zone:UTC}") String zone) {
        return TriggerBuilder.newTrigger().forJob(nightlyJobDetail).withIdentity("nightly-cron", "nightbake")
                .withSchedule(CronScheduleBuilder.cronSchedule(cron).inTimeZone(TimeZone.getTimeZone(ZoneId.of(zone)))
                        .withMisfireHandlingInstructionFireAndProceed())
                .build();
    }
}
