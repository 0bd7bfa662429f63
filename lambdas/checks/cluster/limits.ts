/**
 * Most lines read from one container's log: the LAST lines of the window (`tailLines` with `sinceSeconds`),
 * so that on a busy coderd the cap drops the oldest lines, never the most recent errors.
 */
export const LOG_TAIL_LINES = 5000;
