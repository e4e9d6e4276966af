import { useSearchParams } from "@remix-run/react";
import { Field } from "~/components/ui/form";

/**
 * The optional discount code on a product, tier or service form (decisions 0102, 0113, 0114): one code
 * per checkout; a `?code=` link fills it in.
 */
export function DiscountCodeField({ per, error }: { per: "purchase" | "membership" | "booking"; error?: string }) {
  const [params] = useSearchParams();
  return (
    <Field
      label="Discount code (optional)"
      name="code"
      autoComplete="off"
      autoCapitalize="characters"
      defaultValue={params.get("code") ?? ""}
      error={error}
      hint={`One code per ${per}. The discount shows at checkout.`}
    />
  );
}
