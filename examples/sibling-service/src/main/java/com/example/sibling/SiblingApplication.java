package com.example.sibling;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A backend service of the voice pipeline that embeds Interrupt Hub by adding its artifact. */
@SpringBootApplication
public class SiblingApplication {

    public static void main(String[] args) {
        SpringApplication.run(SiblingApplication.class, args);
    }
}
