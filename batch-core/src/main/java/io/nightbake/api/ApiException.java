package io.nightbake.api;

import org.springframework.http.HttpStatus;

/** An answer other than 200: an HTTP status, a stable error code for programs and a message for people. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    public ApiException(HttpStatus status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }
}
