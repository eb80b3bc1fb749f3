package io.nightbake.feedback;

import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the feedback loop's plain-Java store. */
@Configuration
@EnableConfigurationProperties(FeedbackSettings.class)
public class FeedbackConfig {

    @Bean
    EventStore eventStore(DataSource dataSource, Clock clock) {
        return new EventStore(dataSource, clock);
    }
}
