package io.nightbake.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Every error as a small JSON body, never a stack trace. */
@RestControllerAdvice
public class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    public record Error(String error, String message) {
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Error> api(ApiException e) {
        return ResponseEntity.status(e.status()).body(new Error(e.code(), e.getMessage()));
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<Error> notFound(NoResourceFoundException e) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(new Error("not_found", "no such endpoint"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Error> unexpected(Exception e) {
        if (e instanceof org.springframework.web.ErrorResponse response) {
            HttpStatus status = HttpStatus.valueOf(response.getStatusCode().value());
            return ResponseEntity.status(status).body(new Error(status.is4xxClientError() ? "invalid_request" : "server_error",
                    status.getReasonPhrase()));
        }
        log.error("unexpected error answering a request", e);
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(new Error("server_error", "unexpected error"));
    }
}
