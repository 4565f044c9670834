#ifndef PEDIDOS_CLIBPQ_SHIM_H
#define PEDIDOS_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
