/* zmq_utils.h for FerroMQ: libzmq keeps this header for old programs; everything it once
   declared is in zmq.h now. */
#ifndef __ZMQ_UTILS_H_INCLUDED__
#define __ZMQ_UTILS_H_INCLUDED__
#include "zmq.h"
#endif
