package dev.elustream.codec;

/**
 * A service a codec needs (a schema registry) cannot be reached or fails: not the record's fault, so
 * the record is not dead-lettered; the operator lets the task fail, and Flink retries it from the
 * last checkpoint once its restart strategy allows.
 */
public final class ServiceUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public ServiceUnavailableException(String message) {
        super(message);
    }
}
