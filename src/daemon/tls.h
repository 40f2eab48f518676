/*
 * tls.h - the HTTP handlers of tls.c (certificates) and mqttapi.c (the MQTT
 * downlink API's status), for http.c's route table.
 */
#ifndef FOOTFALLD_TLS_H
#define FOOTFALLD_TLS_H

#include "http_internal.h"

/* GET, PUT /api/v1/certificate; POST /api/v1/certificate/regenerate. */
enum MHD_Result fd_h_certificate_get(fd_req *r);
enum MHD_Result fd_h_certificate_put(fd_req *r);
enum MHD_Result fd_h_certificate_regenerate(fd_req *r);
/* GET, PUT /api/v1/recipients/{id}/certificates. */
enum MHD_Result fd_h_recipient_certs_get(fd_req *r);
enum MHD_Result fd_h_recipient_certs_put(fd_req *r);
/* GET, PUT /api/v1/mqtt-api/certificates. */
enum MHD_Result fd_h_mqttapi_certs_get(fd_req *r);
enum MHD_Result fd_h_mqttapi_certs_put(fd_req *r);
/* GET /api/v1/network/status. */
enum MHD_Result fd_h_network_status(fd_req *r);
/* GET /api/v1/mqtt-api/status. */
enum MHD_Result fd_h_mqttapi_status(fd_req *r);

#endif
