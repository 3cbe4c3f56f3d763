/**
 * The HTTP face of Interrupt Hub: the REST API for interrupts, flags and sessions, the event stream of
 * interrupts and sessions (server-sent events), API keys, problem-detail answers for every refusal, the OpenAPI
 * document and the console page.
 */
package io.interrupthub.web;
