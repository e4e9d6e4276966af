import * as v from "valibot";

export const Email = v.pipe(
  v.string("Enter your email address."),
  v.trim(),
  v.nonEmpty("Enter your email address."),
  v.maxLength(254, "That email address is too long."),
  v.email("Enter a valid email address, like you@example.com."),
  v.toLowerCase(),
);

export const NewPassword = v.pipe(
  v.string("Choose a password."),
  v.minLength(10, "Use at least 10 characters for your password."),
  v.maxLength(200, "Use at most 200 characters for your password."),
);

export const SignUpInput = v.object({ email: Email, password: NewPassword });
export const LogInInput = v.object({
  email: Email,
  password: v.pipe(v.string("Enter your password."), v.nonEmpty("Enter your password.")),
});
export const ChangePasswordInput = v.object({
  currentPassword: v.pipe(v.string("Enter your current password."), v.nonEmpty("Enter your current password.")),
  newPassword: NewPassword,
});
