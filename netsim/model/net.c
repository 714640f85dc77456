/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/net.h"

/* One decimal component 0-max, no sign, no leading zeros (so "010" is not
 * silently octal or decimal). Advances *s. */
static int parse_dec(const char **s, unsigned max, unsigned *ret)
{
	const char *p = *s;
	unsigned v = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9') {
		if (digits > 0 && v == 0)
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			return -EINVAL;
		p++;
		digits++;
	}
	if (digits == 0)
		return -EINVAL;
	*s = p;
	*ret = v;
	return 0;
}

static int parse_addr_prefix(const char **s, uint32_t *ret_addr)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		unsigned octet;
		if (i > 0) {
			if (**s != '.')
				return -EINVAL;
			(*s)++;
		}
		if (parse_dec(s, 255, &octet) < 0)
			return -EINVAL;
		a = (a << 8) | octet;
	}
	*ret_addr = a;
	return 0;
}

int nsim_addr_parse(const char *s, uint32_t *ret_addr)
{
	uint32_t a;
	if (!s || parse_addr_prefix(&s, &a) < 0 || *s != '\0')
		return -EINVAL;
	*ret_addr = a;
	return 0;
}

int nsim_cidr_parse(const char *s, struct nsim_cidr *ret_cidr)
{
	uint32_t a;
	unsigned len;
	if (!s || parse_addr_prefix(&s, &a) < 0 || *s++ != '/')
		return -EINVAL;
	if (parse_dec(&s, 32, &len) < 0 || *s != '\0')
		return -EINVAL;
	*ret_cidr = (struct nsim_cidr){.addr = a, .len = (uint8_t)len};
	return 0;
}

char *nsim_addr_fmt(uint32_t addr, char *buf)
{
	snprintf(buf, NSIM_ADDR_STRLEN, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
		 (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

char *nsim_cidr_fmt(struct nsim_cidr c, char *buf)
{
	char a[NSIM_ADDR_STRLEN];
	snprintf(buf, NSIM_CIDR_STRLEN, "%s/%u", nsim_addr_fmt(c.addr, a), c.len);
	return buf;
}

uint32_t nsim_cidr_mask(uint8_t len)
{
	return len == 0 ? 0 : len >= 32 ? UINT32_MAX : ~(UINT32_MAX >> len);
}

uint32_t nsim_cidr_network(struct nsim_cidr c)
{
	return c.addr & nsim_cidr_mask(c.len);
}

uint32_t nsim_cidr_broadcast(struct nsim_cidr c)
{
	return c.addr | ~nsim_cidr_mask(c.len);
}

uint64_t nsim_cidr_size(struct nsim_cidr c)
{
	return UINT64_C(1) << (32 - (c.len > 32 ? 32 : c.len));
}

bool nsim_cidr_aligned(struct nsim_cidr c)
{
	return (c.addr & ~nsim_cidr_mask(c.len)) == 0;
}

bool nsim_cidr_contains_addr(struct nsim_cidr c, uint32_t addr)
{
	return (addr & nsim_cidr_mask(c.len)) == nsim_cidr_network(c);
}

bool nsim_cidr_contains(struct nsim_cidr outer, struct nsim_cidr inner)
{
	return inner.len >= outer.len && nsim_cidr_contains_addr(outer, inner.addr);
}

bool nsim_cidr_overlaps(struct nsim_cidr a, struct nsim_cidr b)
{
	return nsim_cidr_contains(a, b) || nsim_cidr_contains(b, a);
}

const char *nsim_subnet_reserved(struct nsim_cidr subnet, uint32_t addr)
{
	uint32_t net = nsim_cidr_network(subnet);
	if (!nsim_cidr_contains_addr(subnet, addr))
		return NULL;
	if (addr == net)
		return "the network address";
	if (addr == net + 1)
		return "the VPC router (+1)";
	if (addr == net + 2)
		return "the Amazon DNS server (+2)";
	if (addr == net + 3)
		return "reserved for future use (+3)";
	if (addr == nsim_cidr_broadcast(subnet))
		return "the broadcast address";
	return NULL;
}

uint32_t nsim_subnet_router(struct nsim_cidr subnet)
{
	return nsim_cidr_network(subnet) + 1;
}

uint32_t nsim_subnet_dns(struct nsim_cidr subnet)
{
	return nsim_cidr_network(subnet) + 2;
}

uint32_t nsim_subnet_first_usable(struct nsim_cidr subnet)
{
	return nsim_cidr_network(subnet) + 4;
}

static bool in(uint32_t addr, uint32_t net, uint8_t len)
{
	return nsim_cidr_contains_addr((struct nsim_cidr){net, len}, addr);
}

bool nsim_addr_is_documentation(uint32_t addr)
{
	return in(addr, 0xC0000200, 24) /* 192.0.2.0/24 */
	       || in(addr, 0xC6336400, 24) /* 198.51.100.0/24 */
	       || in(addr, 0xCB007100, 24); /* 203.0.113.0/24 */
}

bool nsim_addr_is_private(uint32_t addr)
{
	return in(addr, 0x0A000000, 8) || in(addr, 0xAC100000, 12) || in(addr, 0xC0A80000, 16);
}
