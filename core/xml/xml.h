/* xml.h: the only door to libxml2.  Parsing is hardened: no network, no
 * DTD loading, no entity expansion; a DOCTYPE is refused; the caller caps
 * the size.  Errors carry "LABEL:LINE: ..." and are recorded in struct err. */
#ifndef DOMSH_XML_H
#define DOMSH_XML_H

#include <stddef.h>

#include "../base/err.h"
#include "../base/mem.h"
#include "tree.h"

/* parse a document into a dnode tree (elements, attributes, text; comments
 * and processing instructions dropped); LABEL names the input in messages */
struct dnode *xml_parse(const char *data, size_t len, const char *label, struct err **e);
/* evaluate an XPath expression on an XML text; each result (node serialized,
 * or string/number value) is pushed to out */
int xml_xpath(const char *xml, const char *expr, struct strv *out, struct err **e);

#endif
