import * as v from "valibot";
import { Email, NewPassword } from "~/modules/identity/validation";

export const ForgotPasswordInput = v.object({ email: Email });
export const ResetPasswordInput = v.object({ password: NewPassword });
export const ChangeEmailInput = v.object({
  currentPassword: v.pipe(v.string("Enter your current password."), v.nonEmpty("Enter your current password.")),
  newEmail: Email,
});
