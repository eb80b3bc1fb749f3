package io.nightbake;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code nightbake.*}.
 *
 * @param home     the working folder: tenants' data, model files, the embedded database
 * @param template path of the template pipeline YAML; blank means the built-in one
 */
@ConfigurationProperties("nightbake")
public record NightbakeProperties(Path home, String template, Retrain retrain, Publish publish) {

    public record Retrain(int threads) {
        /** Threads for retraining partitions: the configured number, or one per core. */
        public int effectiveThreads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }
    }

    public record Publish(int threads) {
        /** Tenants published at once: the configured number, or one per core (each waits mostly on its fsync). */
        public int effectiveThreads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }
    }

    /** Without a {@code nightbake.publish} section (an older configuration file), one thread per core. */
    public Publish publish() {
        return publish == null ? new Publish(0) : publish;
    }

    public Path tenantsDir() {
        return home.resolve("tenants");
    }

    public Path modelsDir() {
        return home.resolve("models");
    }

    /** Where tonight's prebaked lists wait to be published. */
    public Path stagingDir() {
        return home.resolve("staging");
    }

    /** Published snapshots, one folder per tenant and snapshot. */
    public Path snapshotsDir() {
        return home.resolve("snapshots");
    }
}
