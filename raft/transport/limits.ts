// Named bounds and timings of the peer transport (STYLE.md: a limit on everything).

/** Messages queued to one peer before new ones are dropped. */
export const sendQueueMaxDefault = 4096;
/** Largest frame body accepted or sent, bytes. */
export const frameBytesMaxDefault = 64 * 1024 * 1024;
/** First reconnection delay; doubles per failed attempt up to the max, each drawn ±50%. */
export const reconnectDelayMsMin = 50;
export const reconnectDelayMsMax = 2_000;
/** A ping goes out on every outbound connection this often; its pong gives the RTT. */
export const pingIntervalMs = 1_000;
/**
 * A connection is considered dead and closed after this long without a pong (outbound) or
 * without any frame (inbound, which gets a ping every second). Catches half-open connections
 * long before TCP keep-alive would.
 */
export const silenceMsMax = 10_000;
/** TCP keep-alive: first probe after this much idle time. */
export const keepAliveDelayMs = 1_000;
/** Inbound connections still in their handshake; more are refused at accept. */
export const handshakingInboundMax = 64;
/** An identical operator log line is written at most once per window; repeats are counted. */
export const logRepeatWindowMs = 30_000;
/** Distinct log lines remembered for repeat suppression. */
export const logRepeatKeysMax = 1024;
