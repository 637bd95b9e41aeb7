/* venue — names for the shared enums of venue.h. */
#include "venue.h"

const char *side_name(enum side s) { return s == SIDE_BUY ? "buy" : "sell"; }

const char *tif_name(enum tif t)
{
    switch (t) {
    case TIF_GTC: return "gtc";
    case TIF_IOC: return "ioc";
    case TIF_ALO: return "alo";
    }
    return "?";
}

const char *order_status_name(enum order_status s)
{
    static const char *const n[] = {"pending_new", "open", "partially_filled", "pending_cancel",
                                    "filled", "canceled", "rejected", "unknown"};
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}
