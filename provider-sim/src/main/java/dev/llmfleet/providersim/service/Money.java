package dev.llmfleet.providersim.service;

import java.math.BigDecimal;

/** Wire format of USD amounts: a plain decimal string without exponent or trailing zeros ("0" for nothing). */
public final class Money {

    private Money() {
    }

    public static String format(BigDecimal usd) {
        return usd.signum() == 0 ? "0" : usd.stripTrailingZeros().toPlainString();
    }
}
