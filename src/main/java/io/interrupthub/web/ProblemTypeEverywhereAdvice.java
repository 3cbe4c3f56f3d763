package io.interrupthub.web;

import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * {@link ProblemTypeAdvice} for every problem the application answers (its error page, Spring MVC's refusals of
 * paths no controller has), registered only where the application opted into problem errors
 * ({@code interrupt.web.problem-errors=true}, the service's choice).
 */
@RestControllerAdvice
class ProblemTypeEverywhereAdvice extends ProblemTypeAdvice {}
