package dev.elustream.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects what one logger (and those below it) logs at a level and above in this JVM, where a mini
 * cluster runs its jobs, instead of the test logging configuration's console: what a job's own log
 * would say. Closing it restores the configuration.
 */
public final class LogCapture implements AutoCloseable {

    private static final int MAX_MESSAGES = 10_000;

    private final String loggerName;
    private final LoggerContext context;
    private final AbstractAppender appender;
    private final List<String> messages = new ArrayList<>();

    private LogCapture(String loggerName, Level level) {
        this.loggerName = loggerName;
        this.context = (LoggerContext) LogManager.getContext(false);
        this.appender = new AbstractAppender("capture-" + loggerName, null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                String line = event.getLevel() + " " + event.getLoggerName() + " - "
                        + event.getMessage().getFormattedMessage();
                synchronized (messages) {
                    if (messages.size() < MAX_MESSAGES) {
                        messages.add(line);
                    }
                }
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        LoggerConfig logger = LoggerConfig.newBuilder().withLoggerName(loggerName).withLevel(level)
                .withAdditivity(false).withConfig(config).build();
        logger.addAppender(appender, level, null);
        config.addLogger(loggerName, logger);
        context.updateLoggers();
    }

    /** Starts collecting what loggerName logs at level and above. */
    public static LogCapture start(String loggerName, Level level) {
        return new LogCapture(loggerName, level);
    }

    /** The messages so far (level, logger, text), oldest first; at most 10,000. */
    public List<String> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    @Override
    public void close() {
        context.getConfiguration().removeLogger(loggerName);
        context.updateLoggers();
        appender.stop();
    }
}
