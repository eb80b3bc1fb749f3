package io.nightbake.schedule;

import java.time.ZoneId;
import java.util.Objects;
import java.util.TimeZone;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The nightly schedule: a cron trigger in a configured time zone. Misfire policy: fire once now and proceed
 * ("fire and proceed"): when no node was up at the trigger time (or all were busy), the first node back fires once
 * for the missed night, whose run date is the one it was scheduled for; several missed nights collapse into that one
 * fire, since tonight's retraining supersedes them. With the JDBC job store in cluster mode (production profile) one
 * node fires each trigger.
 *
 * <p>Only a process that runs the schedule ({@code spring.quartz.auto-startup=true}, set by {@code serve}) writes the
 * job and its trigger, and it rewrites the stored trigger only when its cron or zone differ from this process's
 * settings: a one-shot command (`api-key create`, `runs`...) never touches the cluster's schedule, and a node that
 * restarts with the same settings keeps the trigger (and its next fire time) as it is.
 */
@Component
@ConditionalOnProperty(name = "spring.quartz.auto-startup", havingValue = "true")
public class NightlyScheduleConfig implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(NightlyScheduleConfig.class);
    static final JobKey JOB = new JobKey("nightly", "nightbake");
    static final TriggerKey TRIGGER = new TriggerKey("nightly-cron", "nightbake");

    private final Scheduler scheduler;
    private final String cron;
    private final ZoneId zone;

    public NightlyScheduleConfig(Scheduler scheduler, @Value("${nightbake.schedule.cron}") String cron,
                                 @Value("${nightbake.schedule.zone:UTC}") String zone) {
        this.scheduler = scheduler;
        this.cron = cron;
        this.zone = ZoneId.of(zone);
    }

    @Override
    public void afterSingletonsInstantiated() {
        try {
            ensureSchedule();
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot set up the nightly schedule: " + e.getMessage(), e);
        }
    }

    /** Stores the job if missing and the trigger if missing or different; returns whether the trigger was written. */
    boolean ensureSchedule() throws SchedulerException {
        if (!scheduler.checkExists(JOB)) {
            JobDataMap data = new JobDataMap();
            data.put("zone", zone);
            JobDetail job = JobBuilder.newJob(NightlyQuartzJob.class).withIdentity(JOB)
                    .withDescription("the nightly retrain, prebake and publish run").usingJobData(data).storeDurably()
                    .requestRecovery(true).build();
            scheduler.addJob(job, false);
        }
        Trigger wanted = TriggerBuilder.newTrigger().forJob(JOB).withIdentity(TRIGGER)
                .withSchedule(CronScheduleBuilder.cronSchedule(cron).inTimeZone(TimeZone.getTimeZone(zone))
                        .withMisfireHandlingInstructionFireAndProceed())
                .build();
        Trigger existing = scheduler.getTrigger(TRIGGER);
        if (existing == null) {
            scheduler.scheduleJob(wanted);
            log.info("nightly schedule set: '{}' in {}", cron, zone);
            return true;
        }
        if (existing instanceof CronTrigger stored && stored.getCronExpression().equals(cron)
                && Objects.equals(stored.getTimeZone().getID(), TimeZone.getTimeZone(zone).getID())) {
            return false; // same settings: leave the trigger and its next fire time alone
        }
        String was = existing instanceof CronTrigger stored ? "'" + stored.getCronExpression() + "' in "
                + stored.getTimeZone().getID() : existing.toString();
        scheduler.rescheduleJob(TRIGGER, wanted);
        log.warn("nightly schedule changed from {} to '{}' in {} (this node's nightbake.schedule.cron / .zone)", was, cron, zone);
        return true;
    }
}
