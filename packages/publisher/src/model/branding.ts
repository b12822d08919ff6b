// What the buyer sees of the vendor: the product's name and logo, where the product is once the
// subscription is active, and how to reach support. Set from settings (PRODUCT_NAME, ...).
export interface Branding {
  productName: string;
  logoUrl?: string | undefined;
  /** "Open <product>" after activation links here. */
  productUrl?: string | undefined;
  /** An e-mail address or a URL. */
  supportContact?: string | undefined;
}
