import { z } from 'zod';

/**
 * Names people type that others will read (members, admins, relying apps): trimmed, and without
 * control characters or bidirectional overrides, which can make a name in a console, an audit
 * trail or a consent page read as something it is not.
 */
const UNSAFE = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

export const displayName = (max = 100) =>
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(max)
    .refine((value) => !UNSAFE.test(value), 'must not contain control characters');
